#include "script/config.h"

#include <gtest/gtest.h>

namespace tandem::script {
namespace {

SocketAddress address(const std::string& text) {
    auto parsed = parse_socket_address(text);
    EXPECT_TRUE(parsed.ok()) << text << ": " << (parsed.ok() ? "" : parsed.error().reason);
    return parsed.ok() ? *parsed : SocketAddress{};
}

TEST(SocketAddress, ParsesTransportHostAndPort) {
    EXPECT_EQ(address("udp:127.0.0.1:5060"), (SocketAddress{"udp", "127.0.0.1", 5060}));
    EXPECT_EQ(address("TCP:10.0.0.1:5070"), (SocketAddress{"tcp", "10.0.0.1", 5070}));
    EXPECT_EQ(address("tcp:[::1]:5060"), (SocketAddress{"tcp", "::1", 5060}));
    EXPECT_EQ(address("tls:[2001:db8::1]"), (SocketAddress{"tls", "2001:db8::1", 5061}));
    EXPECT_EQ(address("wss:example.com"), (SocketAddress{"wss", "example.com", 5061}));
}

TEST(SocketAddress, DefaultsToUdpAnd5060) {
    EXPECT_EQ(address("192.0.2.1"), (SocketAddress{"udp", "192.0.2.1", 5060}));
    EXPECT_EQ(address("localhost:5080"), (SocketAddress{"udp", "localhost", 5080}));
    EXPECT_EQ(address("eth0"), (SocketAddress{"udp", "eth0", 5060}));
    EXPECT_EQ(address("*:5060"), (SocketAddress{"udp", "*", 5060}));
}

TEST(SocketAddress, RejectsMalformedAddresses) {
    for (const char* bad : {"", "udp:", "udp:1.2.3.4:0", "udp:1.2.3.4:70000", "udp:1.2.3.4:x",
                            "::1", "tcp:[::1", "tcp:[::1]x", "tcp:[zz::1]", "1.2.3.999",
                            "sctp:1.2.3.4:5060", "udp:bad host", "udp:1.2.3.4:5060:1"}) {
        EXPECT_FALSE(parse_socket_address(bad).ok()) << bad;
    }
    EXPECT_EQ(parse_socket_address("sctp:10.0.0.1:5060").error().reason,
              "unknown transport 'sctp'");
}

TEST(SocketAddress, PrintsWithBracketsForIpv6) {
    EXPECT_EQ((SocketAddress{"tcp", "::1", 5060}).to_string(), "tcp:[::1]:5060");
    EXPECT_EQ((SocketAddress{"udp", "10.0.0.1", 5080}).to_string(), "udp:10.0.0.1:5080");
}

TEST(HttpAddress, NeedsAPort) {
    auto parsed = parse_http_address("127.0.0.1:8888");
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, (SocketAddress{"http", "127.0.0.1", 8888}));
    auto v6 = parse_http_address("[::1]:8888");
    ASSERT_TRUE(v6.ok());
    EXPECT_EQ(v6->host, "::1");
    EXPECT_FALSE(parse_http_address("127.0.0.1").ok());
    EXPECT_FALSE(parse_http_address("udp:127.0.0.1:8888").ok());
}

TEST(Destination, AcceptsAddressesAndSipUris) {
    auto plain = parse_destination("udp:1.2.3.4:5060");
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(*plain, (SocketAddress{"udp", "1.2.3.4", 5060}));

    auto uri = parse_destination("sip:10.0.0.2:5080;transport=tcp");
    ASSERT_TRUE(uri.ok()) << uri.error().reason;
    EXPECT_EQ(*uri, (SocketAddress{"tcp", "10.0.0.2", 5080}));

    auto no_port = parse_destination("sip:proxy.example.com");
    ASSERT_TRUE(no_port.ok());
    EXPECT_EQ(*no_port, (SocketAddress{"udp", "proxy.example.com", 5060}));

    auto secure = parse_destination("sips:[2001:db8::5]");
    ASSERT_TRUE(secure.ok());
    EXPECT_EQ(*secure, (SocketAddress{"tls", "2001:db8::5", 5061}));

    EXPECT_FALSE(parse_destination("sip:10.0.0.2;transport=carrier-pigeon").ok());
    EXPECT_FALSE(parse_destination("sip:").ok());
}

TEST(ScriptConfig, LooksUpParametersByType) {
    ScriptConfig config;
    config.modparams["dialog"]["max_duration"] = std::int64_t{3600};
    config.modparams["callops"]["mode"] = std::string("param");
    EXPECT_EQ(config.integer_param("dialog", "max_duration"), 3600);
    EXPECT_EQ(config.string_param("callops", "mode"), "param");
    EXPECT_EQ(config.integer_param("callops", "mode"), std::nullopt);
    EXPECT_EQ(config.string_param("dialog", "max_duration"), std::nullopt);
    EXPECT_EQ(config.param("dialog", "missing"), nullptr);
    EXPECT_EQ(config.param("missing", "mode"), nullptr);
}

}  // namespace
}  // namespace tandem::script
