#include "txn/requests.h"

#include <gtest/gtest.h>

#include <string>

#include "txn_test_support.h"

namespace tandem::txn {
namespace {

using testing::make_request;
using testing::make_response;
using testing::parse;
using testing::RequestSpec;

RequestSpec routed_invite() {
    RequestSpec spec;
    spec.via =
        "SIP/2.0/UDP proxy.example;branch=z9hG4bKproxy1, SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKua";
    spec.extra =
        "Route: <sip:p1.example;lr>\r\nRoute: <sip:p2.example;lr>\r\nContact: "
        "<sip:alice@192.0.2.10>\r\n"
        "Content-Type: application/sdp\r\n";
    spec.body = "v=0\r\n";
    return spec;
}

TEST(BuildAckTest, FollowsRfc3261Section17113) {
    const std::string invite_text = make_request(routed_invite());
    const sip::Message invite = parse(invite_text);
    const sip::Message response = parse(make_response(invite_text, 486, "bobtag"));
    const auto ack_text = build_ack(invite, response);
    ASSERT_TRUE(ack_text.ok());
    const sip::Message ack = parse(*ack_text);
    EXPECT_EQ(ack.method(), sip::Method::Ack);
    EXPECT_EQ(ack.request_uri_text(), "sip:bob@example.com");
    auto vias = ack.vias();
    ASSERT_TRUE(vias.ok());
    ASSERT_EQ(vias->size(), 1U);
    EXPECT_EQ((*vias)[0].branch, "z9hG4bKproxy1");
    EXPECT_EQ(ack.header(sip::HeaderId::From), invite.header(sip::HeaderId::From));
    ASSERT_TRUE(ack.to().ok());
    EXPECT_EQ(ack.to()->tag, "bobtag");
    EXPECT_EQ(ack.call_id(), invite.call_id());
    ASSERT_TRUE(ack.cseq().ok());
    EXPECT_EQ(ack.cseq()->number, 314159U);
    EXPECT_EQ(ack.cseq()->method, sip::Method::Ack);
    auto routes = ack.routes();
    ASSERT_TRUE(routes.ok());
    ASSERT_EQ(routes->size(), 2U);
    EXPECT_EQ((*routes)[0].uri.host, "p1.example");
    EXPECT_EQ((*routes)[1].uri.host, "p2.example");
    EXPECT_EQ(ack.max_forwards().value_or(0), 70U);
    EXPECT_TRUE(ack.body().empty());
    EXPECT_FALSE(ack.has(sip::HeaderId::Contact));
}

TEST(BuildCancelTest, FollowsRfc3261Section91) {
    const sip::Message invite = parse(make_request(routed_invite()));
    const auto cancel_text =
        build_cancel(invite, "SIP;cause=200;text=\"Call completed elsewhere\"");
    ASSERT_TRUE(cancel_text.ok());
    const sip::Message cancel = parse(*cancel_text);
    EXPECT_EQ(cancel.method(), sip::Method::Cancel);
    EXPECT_EQ(cancel.request_uri_text(), invite.request_uri_text());
    auto vias = cancel.vias();
    ASSERT_TRUE(vias.ok());
    ASSERT_EQ(vias->size(), 1U);
    EXPECT_EQ((*vias)[0].branch, "z9hG4bKproxy1");
    EXPECT_EQ(cancel.header(sip::HeaderId::To), invite.header(sip::HeaderId::To));
    EXPECT_EQ(cancel.header(sip::HeaderId::From), invite.header(sip::HeaderId::From));
    EXPECT_EQ(cancel.call_id(), invite.call_id());
    EXPECT_EQ(cancel.cseq()->number, 314159U);
    EXPECT_EQ(cancel.cseq()->method, sip::Method::Cancel);
    EXPECT_EQ(cancel.count(sip::HeaderId::Route), 2U);
    EXPECT_EQ(cancel.header(sip::HeaderId::Reason),
              "SIP;cause=200;text=\"Call completed elsewhere\"");
    EXPECT_TRUE(cancel.body().empty());

    const auto plain = build_cancel(invite);
    ASSERT_TRUE(plain.ok());
    EXPECT_FALSE(parse(*plain).has(sip::HeaderId::Reason));
}

TEST(BuildCancelTest, OnlyAnInviteIsCancelled) {
    RequestSpec spec;
    spec.method = "OPTIONS";
    spec.cseq = "1 OPTIONS";
    EXPECT_FALSE(build_cancel(parse(make_request(spec))).ok());
}

TEST(StatusOfTest, ReadsTheStatusLine) {
    EXPECT_EQ(status_of("SIP/2.0 180 Ringing\r\n"), 180);
    EXPECT_EQ(status_of("SIP/2.0 200 OK\r\nVia: x\r\n"), 200);
    EXPECT_EQ(status_of("sip/2.0 699 Whatever\r\n"), 699);
    EXPECT_EQ(status_of("SIP/2.0 100"), 100);
    EXPECT_FALSE(status_of("SIP/2.0 700 Too Big\r\n").has_value());
    EXPECT_FALSE(status_of("SIP/2.0 099 Small\r\n").has_value());
    EXPECT_FALSE(status_of("SIP/2.0 2000 OK\r\n").has_value());
    EXPECT_FALSE(status_of("INVITE sip:a@b SIP/2.0\r\n").has_value());
    EXPECT_FALSE(status_of("").has_value());
}

}  // namespace
}  // namespace tandem::txn
