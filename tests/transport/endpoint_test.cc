#include "transport/endpoint.h"

#include <gtest/gtest.h>

#include <sstream>
#include <unordered_set>

#include "transport/transport.h"

namespace tandem::transport {
namespace {

TEST(IpAddress, ParsesAndPrintsBothFamilies) {
    const auto v4 = IpAddress::parse("192.0.2.10");
    ASSERT_TRUE(v4.ok());
    EXPECT_TRUE(v4->is_v4());
    EXPECT_EQ(v4->to_string(), "192.0.2.10");
    EXPECT_EQ(v4->to_uri_host(), "192.0.2.10");

    const auto v6 = IpAddress::parse("2001:DB8::0:1");
    ASSERT_TRUE(v6.ok());
    EXPECT_TRUE(v6->is_v6());
    EXPECT_EQ(v6->to_string(), "2001:db8::1");
    EXPECT_EQ(v6->to_uri_host(), "[2001:db8::1]");
}

TEST(IpAddress, PrintsEveryIpv4OctetWidthWithoutLeadingZeros) {
    for (const char* text :
         {"0.0.0.0", "255.255.255.255", "1.9.10.99", "100.101.199.200", "10.0.100.7"}) {
        const auto address = IpAddress::parse(text);
        ASSERT_TRUE(address.ok()) << text;
        EXPECT_EQ(address->to_string(), text);
    }
    EXPECT_EQ(IpAddress::v4({172, 16, 5, 40}).to_string(), "172.16.5.40");
}

TEST(IpAddress, KnowsLoopbackAndUnspecified) {
    EXPECT_TRUE(IpAddress::loopback_v4().is_loopback());
    EXPECT_TRUE(IpAddress::parse("127.1.2.3")->is_loopback());
    EXPECT_TRUE(IpAddress::loopback_v6().is_loopback());
    EXPECT_EQ(IpAddress::loopback_v6().to_string(), "::1");
    EXPECT_FALSE(IpAddress::parse("192.0.2.1")->is_loopback());
    EXPECT_TRUE(IpAddress::any_v4().is_unspecified());
    EXPECT_TRUE(IpAddress::any_v6().is_unspecified());
    EXPECT_FALSE(IpAddress::loopback_v6().is_unspecified());
    EXPECT_NE(IpAddress::any_v4(), IpAddress::any_v6());
}

TEST(IpAddress, CarriesANumericIpv6Scope) {
    const auto scoped = IpAddress::parse("fe80::1%3");
    ASSERT_TRUE(scoped.ok());
    EXPECT_EQ(scoped->scope_id(), 3u);
    EXPECT_EQ(scoped->to_string(), "fe80::1%3");
    EXPECT_NE(*scoped, *IpAddress::parse("fe80::1"));
    EXPECT_FALSE(IpAddress::parse("fe80::1%eth0").ok());
    EXPECT_FALSE(IpAddress::parse("fe80::1%").ok());
    EXPECT_FALSE(IpAddress::parse("127.0.0.1%1").ok());
}

TEST(IpAddress, RejectsWhatIsNotAnAddress) {
    for (const char* text : {"", "example.com", "1.2.3", "1.2.3.4.5", "256.0.0.1", "::1::2",
                             "[::1]", "1.2.3.4 ", "2001:db8:0:0:0:0:0:0:1"}) {
        EXPECT_FALSE(IpAddress::parse(text).ok()) << text;
    }
    EXPECT_FALSE(IpAddress::parse(std::string(100, '1')).ok());
}

TEST(Endpoint, PrintsProtocolAddressAndPort) {
    EXPECT_EQ((Endpoint{Protocol::udp, IpAddress::loopback_v4(), 5060}).to_string(),
              "udp:127.0.0.1:5060");
    EXPECT_EQ((Endpoint{Protocol::tcp, IpAddress::loopback_v6(), 5060}).to_string(),
              "tcp:[::1]:5060");
    std::ostringstream out;
    out << Endpoint{Protocol::tcp, IpAddress::loopback_v4(), 5061};
    EXPECT_EQ(out.str(), "tcp:127.0.0.1:5061");
}

TEST(Endpoint, ParsesWhatItPrints) {
    for (const char* text : {"udp:127.0.0.1:5060", "tcp:[::1]:5060", "udp:[2001:db8::7]:0",
                             "tcp:10.0.0.1:65535", "udp:[fe80::1%2]:5060"}) {
        const auto endpoint = Endpoint::parse(text);
        ASSERT_TRUE(endpoint.ok()) << text << ": " << endpoint.error().reason;
        EXPECT_EQ(endpoint->to_string(), text);
    }
}

TEST(Endpoint, ParsesFields) {
    const auto endpoint = Endpoint::parse("TCP:[::1]:5062");
    ASSERT_TRUE(endpoint.ok());
    EXPECT_EQ(endpoint->protocol, Protocol::tcp);
    EXPECT_EQ(endpoint->address, IpAddress::loopback_v6());
    EXPECT_EQ(endpoint->port, 5062);
}

TEST(Endpoint, RejectsMalformedText) {
    for (const char* text :
         {"", "udp", "udp:127.0.0.1", "udp:127.0.0.1:", "sctp:127.0.0.1:5060", "udp:::1:5060",
          "udp:[::1:5060", "udp:[::1]5060", "udp:[127.0.0.1]:5060", "udp:example.com:5060",
          "udp:127.0.0.1:65536", "udp:127.0.0.1:-1", "udp:127.0.0.1:50a"}) {
        EXPECT_FALSE(Endpoint::parse(text).ok()) << text;
    }
}

TEST(Endpoint, BuildsFromViaParts) {
    const auto bracketed = Endpoint::from_parts("UDP", "[::1]", 5060);
    ASSERT_TRUE(bracketed.ok());
    EXPECT_EQ(bracketed->to_string(), "udp:[::1]:5060");
    // A Via `received` parameter carries IPv6 without brackets.
    const auto bare = Endpoint::from_parts("tcp", "::1", 5070);
    ASSERT_TRUE(bare.ok());
    EXPECT_EQ(bare->to_string(), "tcp:[::1]:5070");
    const auto v4 = Endpoint::from_parts("Tcp", "192.0.2.1", 5080);
    ASSERT_TRUE(v4.ok());
    EXPECT_EQ(v4->to_string(), "tcp:192.0.2.1:5080");

    EXPECT_FALSE(Endpoint::from_parts("TLS", "192.0.2.1", 5061).ok());
    EXPECT_FALSE(Endpoint::from_parts("UDP", "[192.0.2.1]", 5060).ok());
    EXPECT_FALSE(Endpoint::from_parts("UDP", "proxy.example.com", 5060).ok());
}

TEST(Endpoint, EqualityAndHashSeparateEveryField) {
    const Endpoint base{Protocol::udp, IpAddress::loopback_v4(), 5060};
    Endpoint other_port = base;
    other_port.port = 5061;
    Endpoint other_protocol = base;
    other_protocol.protocol = Protocol::tcp;
    Endpoint other_address = base;
    other_address.address = *IpAddress::parse("127.0.0.2");

    std::unordered_set<Endpoint> set{base, other_port, other_protocol, other_address};
    EXPECT_EQ(set.size(), 4u);
    EXPECT_EQ(set.count(*Endpoint::parse("udp:127.0.0.1:5060")), 1u);
    EXPECT_EQ(std::hash<Endpoint>{}(base),
              std::hash<Endpoint>{}(*Endpoint::parse("UDP:127.0.0.1:5060")));
}

TEST(ConnectionId, PacksWorkerAndSerial) {
    const ConnectionId id{7, 42};
    EXPECT_EQ(id.worker(), 7);
    EXPECT_EQ(id.serial(), 42u);
    EXPECT_TRUE(id);
    EXPECT_FALSE(ConnectionId{});
    EXPECT_NE(id, (ConnectionId{6, 42}));
    EXPECT_NE(id, (ConnectionId{7, 43}));
    EXPECT_EQ(id, (ConnectionId{7, 42}));
}

TEST(Protocol, ParsesViaTransportTokens) {
    EXPECT_EQ(parse_protocol("UDP"), Protocol::udp);
    EXPECT_EQ(parse_protocol("tcp"), Protocol::tcp);
    EXPECT_FALSE(parse_protocol("TLS").has_value());
    EXPECT_EQ(to_string(Protocol::tcp), "tcp");
}

}  // namespace
}  // namespace tandem::transport
