#include "txn/via.h"

#include <gtest/gtest.h>

#include <string>

#include "txn_test_support.h"

namespace tandem::txn {
namespace {

using testing::endpoint;
using testing::make_request;
using testing::parse;
using testing::RequestSpec;

sip::Via via_of(std::string_view element) {
    auto via = sip::parse_via(element);
    EXPECT_TRUE(via.ok()) << element;
    return via.value_or(sip::Via{});
}

TEST(StampedViaTest, NothingChangesWhenTheSentByIsTheSourceAddress) {
    const auto via = via_of("SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa");
    EXPECT_FALSE(stamped_via(via, endpoint("udp:192.0.2.10:5060")).has_value());
    // Another source port alone does not matter without rport.
    EXPECT_FALSE(stamped_via(via, endpoint("udp:192.0.2.10:7000")).has_value());
}

TEST(StampedViaTest, ReceivedIsAddedForAnotherAddressOrAHostName) {
    EXPECT_EQ(stamped_via(via_of("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa"),
                          endpoint("udp:192.0.2.10:5060")),
              "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa;received=192.0.2.10");
    EXPECT_EQ(stamped_via(via_of("SIP/2.0/UDP pc33.example.com;branch=z9hG4bKa"),
                          endpoint("udp:192.0.2.10:5060")),
              "SIP/2.0/UDP pc33.example.com;branch=z9hG4bKa;received=192.0.2.10");
}

TEST(StampedViaTest, AnEmptyRportIsFilledAndReceivedAddedEvenForTheSameAddress) {
    // RFC 3581 section 4.
    EXPECT_EQ(stamped_via(via_of("SIP/2.0/UDP 192.0.2.10:5060;rport;branch=z9hG4bKa"),
                          endpoint("udp:192.0.2.10:9988")),
              "SIP/2.0/UDP 192.0.2.10:5060;rport=9988;branch=z9hG4bKa;received=192.0.2.10");
    EXPECT_EQ(stamped_via(via_of("SIP/2.0/UDP 10.1.1.1:4540;branch=z9hG4bKa;rport"),
                          endpoint("udp:192.0.2.1:9988")),
              "SIP/2.0/UDP 10.1.1.1:4540;branch=z9hG4bKa;rport=9988;received=192.0.2.1");
}

TEST(StampedViaTest, AWrongReceivedIsCorrectedAndARightOneKept) {
    EXPECT_EQ(stamped_via(via_of("SIP/2.0/UDP host.example;received=10.9.9.9;branch=z9hG4bKa"),
                          endpoint("udp:192.0.2.10:5060")),
              "SIP/2.0/UDP host.example;received=192.0.2.10;branch=z9hG4bKa");
    EXPECT_FALSE(stamped_via(via_of("SIP/2.0/UDP host.example;received=192.0.2.10;branch=z9hG4bKa"),
                             endpoint("udp:192.0.2.10:5060"))
                     .has_value());
}

TEST(StampedViaTest, IPv6SourcesAreWrittenWithoutBrackets) {
    EXPECT_EQ(stamped_via(via_of("SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKa"),
                          endpoint("udp:[2001:db8::1]:5060")),
              "SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKa;received=2001:db8::1");
    EXPECT_FALSE(stamped_via(via_of("SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKa"),
                             endpoint("udp:[2001:db8::1]:5060"))
                     .has_value());
}

TEST(StampTopViaTest, RewritesOnlyTheTopViaOfTheMessage) {
    RequestSpec spec;
    spec.via =
        "SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bKtop, SIP/2.0/UDP "
        "10.0.0.2;branch=z9hG4bKnext";
    spec.extra = "Via: SIP/2.0/TCP 10.0.0.3;branch=z9hG4bKlast\r\n";
    auto stamped = stamp_top_via(parse(make_request(spec)), endpoint("udp:192.0.2.10:1234"));
    ASSERT_TRUE(stamped.ok());
    auto vias = stamped->vias();
    ASSERT_TRUE(vias.ok());
    ASSERT_EQ(vias->size(), 3U);
    EXPECT_EQ((*vias)[0].text,
              "SIP/2.0/UDP 10.0.0.1:5060;rport=1234;branch=z9hG4bKtop;received=192.0.2.10");
    EXPECT_EQ((*vias)[0].rport, 1234);
    EXPECT_EQ((*vias)[1].text, "SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKnext");
    EXPECT_EQ((*vias)[2].text, "SIP/2.0/TCP 10.0.0.3;branch=z9hG4bKlast");
    EXPECT_EQ(stamped->call_id(), "a84b4c76e66710@pc33.example.com");
}

TEST(StampTopViaTest, LeavesTheBytesAloneWhenNothingChanges) {
    const std::string text = make_request({});
    auto stamped = stamp_top_via(parse(text), endpoint("udp:192.0.2.10:5060"));
    ASSERT_TRUE(stamped.ok());
    EXPECT_EQ(stamped->bytes(), text);
}

TEST(ResponseRouteTest, UdpWithoutRportGoesToTheSourceAddressAndTheSentByPort) {
    const auto route =
        response_route(via_of("SIP/2.0/UDP host.example:5070;branch=z9hG4bKa"),
                       endpoint("udp:192.0.2.10:40000"), endpoint("udp:198.51.100.1:5060"), {});
    EXPECT_EQ(route.destination, endpoint("udp:192.0.2.10:5070"));
    EXPECT_EQ(route.options.local, endpoint("udp:198.51.100.1:5060"));
    EXPECT_FALSE(route.options.connection);

    const auto default_port =
        response_route(via_of("SIP/2.0/UDP host.example;branch=z9hG4bKa"),
                       endpoint("udp:192.0.2.10:40000"), endpoint("udp:198.51.100.1:5060"), {});
    EXPECT_EQ(default_port.destination, endpoint("udp:192.0.2.10:5060"));
}

TEST(ResponseRouteTest, RportSendsToTheSourcePort) {
    const auto route =
        response_route(via_of("SIP/2.0/UDP 10.1.1.1:4540;rport=9988;branch=z9hG4bKa"),
                       endpoint("udp:192.0.2.1:9988"), endpoint("udp:198.51.100.1:5060"), {});
    EXPECT_EQ(route.destination, endpoint("udp:192.0.2.1:9988"));
}

TEST(ResponseRouteTest, TcpUsesTheConnectionTheRequestCameOn) {
    const transport::ConnectionId connection(0, 17);
    const auto route = response_route(via_of("SIP/2.0/TCP 10.1.1.1;branch=z9hG4bKa"),
                                      endpoint("tcp:192.0.2.1:50123"),
                                      endpoint("tcp:198.51.100.1:5060"), connection);
    EXPECT_EQ(route.options.connection, connection);
    EXPECT_EQ(route.destination.protocol, transport::Protocol::tcp);
    EXPECT_EQ(route.destination.address, endpoint("tcp:192.0.2.1:1").address);
}

}  // namespace
}  // namespace tandem::txn
