// Requests Tandem sends into a dialog in one party's name: their exact
// contents, strict routing, the ACK of a generated re-INVITE, and refusals.
#include <gtest/gtest.h>

#include "call_messages.h"
#include "dialog/dialog.h"
#include "sip/message.h"

namespace tandem::dialog {
namespace {

using namespace testing;

constexpr std::string_view kHoldOffer =
    "v=0\r\no=alice 2890844526 2890844527 IN IP4 192.0.2.10\r\ns=-\r\n"
    "c=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=sendonly\r\n";

TEST(GeneratedRequest, ReInviteTowardsTheCalleeImpersonatesTheCaller) {
    const Call call;
    Dialog dialog = call.confirmed();
    RequestOptions options;
    options.via = "SIP/2.0/UDP tandem.example.org;branch=z9hG4bKgen1";
    options.content_type = "application/sdp";
    options.body = kHoldOffer;
    auto request = dialog.build_request(Side::Callee, "INVITE", options);
    ASSERT_TRUE(request.ok()) << request.error().reason;

    const std::string expected =
        "INVITE sip:bob@198.51.100.20:5070;transport=tcp SIP/2.0\r\n"
        "Via: SIP/2.0/UDP tandem.example.org;branch=z9hG4bKgen1\r\n"
        "Route: <sip:q1.example.net;lr>, <sip:q2.example.net;lr>\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:alice@example.com>;tag=1928301774\r\n"
        "To: <sip:bob@example.net>;tag=a6c85cf\r\n"
        "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
        "CSeq: 102 INVITE\r\n"
        "Contact: <sip:alice@192.0.2.10:5060>\r\n"
        "Content-Type: application/sdp\r\n"
        "Content-Length: " +
        std::to_string(kHoldOffer.size()) + "\r\n\r\n" + std::string(kHoldOffer);
    EXPECT_EQ(request->text, expected);
    EXPECT_EQ(request->towards, Side::Callee);
    EXPECT_EQ(request->method, "INVITE");
    EXPECT_EQ(request->cseq, kInviteCSeq + 1);
    EXPECT_EQ(request->request_uri, kBobContact);
    EXPECT_EQ(request->next_hop, "sip:q1.example.net;lr");
    EXPECT_EQ(request->destination, kCalleeAddress);
    EXPECT_EQ(request->connection_id, 42u);

    // It parses as a request of this dialog, from the caller.
    const sip::Message parsed = parse_message(request->text);
    EXPECT_EQ(dialog.sender_of(parsed), Side::Caller);
    EXPECT_EQ(parsed.body(), kHoldOffer);
}

TEST(GeneratedRequest, ReferTowardsTheCallerImpersonatesTheCallee) {
    const Call call;
    Dialog dialog = call.confirmed();
    RequestOptions options;
    options.extra_headers = "Refer-To: <sip:carol@example.org;osid=7>\r\n";
    auto request = dialog.build_request(Side::Caller, "REFER", options);
    ASSERT_TRUE(request.ok()) << request.error().reason;

    // Nothing was sent towards Alice before: her first request from "Bob"
    // is number 1.
    const std::string expected =
        "REFER sip:alice@192.0.2.10:5060 SIP/2.0\r\n"
        "Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:bob@example.net>;tag=a6c85cf\r\n"
        "To: <sip:alice@example.com>;tag=1928301774\r\n"
        "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
        "CSeq: 1 REFER\r\n"
        "Contact: <sip:bob@198.51.100.20:5070;transport=tcp>\r\n"
        "Refer-To: <sip:carol@example.org;osid=7>\r\n"
        "Content-Length: 0\r\n\r\n";
    EXPECT_EQ(request->text, expected);
    EXPECT_EQ(request->next_hop, "sip:p2.example.com;lr");
    EXPECT_EQ(request->destination, kCallerAddress);
    EXPECT_EQ(dialog.sender_of(parse_message(request->text)), Side::Callee);
}

TEST(GeneratedRequest, ByesOfTerminateGoToBothLegs) {
    const Call call;
    Dialog dialog = call.confirmed();
    RequestOptions options;
    options.extra_headers = "Reason: Q.850;cause=16";
    auto ended = dialog.terminate(kStart + std::chrono::seconds(30), options);
    ASSERT_TRUE(ended.ok()) << ended.error().reason;
    EXPECT_EQ(ended->state_change, (StateChange{State::Confirmed, State::Deleted}));
    EXPECT_EQ(dialog.end_reason(), EndReason::Terminated);

    EXPECT_EQ(ended->bye_to_callee.text,
              "BYE sip:bob@198.51.100.20:5070;transport=tcp SIP/2.0\r\n"
              "Route: <sip:q1.example.net;lr>, <sip:q2.example.net;lr>\r\n"
              "Max-Forwards: 70\r\n"
              "From: <sip:alice@example.com>;tag=1928301774\r\n"
              "To: <sip:bob@example.net>;tag=a6c85cf\r\n"
              "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
              "CSeq: 102 BYE\r\n"
              "Contact: <sip:alice@192.0.2.10:5060>\r\n"
              "Reason: Q.850;cause=16\r\n"
              "Content-Length: 0\r\n\r\n");
    EXPECT_EQ(ended->bye_to_caller.text,
              "BYE sip:alice@192.0.2.10:5060 SIP/2.0\r\n"
              "Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>\r\n"
              "Max-Forwards: 70\r\n"
              "From: <sip:bob@example.net>;tag=a6c85cf\r\n"
              "To: <sip:alice@example.com>;tag=1928301774\r\n"
              "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
              "CSeq: 1 BYE\r\n"
              "Contact: <sip:bob@198.51.100.20:5070;transport=tcp>\r\n"
              "Reason: Q.850;cause=16\r\n"
              "Content-Length: 0\r\n\r\n");

    // An ended dialog sends nothing more.
    auto after = dialog.build_request(Side::Callee, "OPTIONS");
    ASSERT_FALSE(after.ok());
    EXPECT_EQ(after.error().status, 481);
    EXPECT_FALSE(dialog.terminate(kStart).ok());
}

TEST(GeneratedRequest, StrictFirstRouteTakesTheRequestUri) {
    Call call;
    // q1 is a strict router (no lr) and asks for a method parameter and a
    // header that a Request-URI may not carry.
    call.callee_record_route = "<sip:q2.example.net;lr>, <sip:q1.example.net;method=INVITE?X=1>";
    Dialog dialog = call.confirmed();
    EXPECT_EQ(dialog.leg(Side::Callee).route_set,
              "<sip:q1.example.net;method=INVITE?X=1>, <sip:q2.example.net;lr>");
    auto request = dialog.build_request(Side::Callee, "OPTIONS");
    ASSERT_TRUE(request.ok()) << request.error().reason;
    // RFC 3261 12.2.1.1: the first route becomes the Request-URI (without
    // what a Request-URI may not carry), the rest stay, and the remote
    // target goes last.
    EXPECT_EQ(first_line(request->text), "OPTIONS sip:q1.example.net SIP/2.0");
    EXPECT_EQ(request->request_uri, "sip:q1.example.net");
    EXPECT_EQ(request->next_hop, "sip:q1.example.net");
    const auto lines = header_lines(request->text);
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines[0],
              "Route: <sip:q2.example.net;lr>, <sip:bob@198.51.100.20:5070;transport=tcp>");
}

TEST(GeneratedRequest, StrictOnlyRouteLeavesTheTargetAsTheOnlyRoute) {
    Call call;
    call.callee_record_route = "<sip:q1.example.net;transport=tcp>";
    Dialog dialog = call.confirmed();
    auto request = dialog.build_request(Side::Callee, "INFO");
    ASSERT_TRUE(request.ok()) << request.error().reason;
    EXPECT_EQ(first_line(request->text), "INFO sip:q1.example.net;transport=tcp SIP/2.0");
    EXPECT_EQ(header_lines(request->text)[0], "Route: <sip:bob@198.51.100.20:5070;transport=tcp>");
}

TEST(GeneratedRequest, NoRouteSetMeansNoRouteHeader) {
    Call call;
    call.callee_record_route.clear();
    call.caller_record_route.clear();
    Dialog dialog = call.confirmed();
    auto request = dialog.build_request(Side::Caller, "OPTIONS");
    ASSERT_TRUE(request.ok());
    EXPECT_EQ(header_lines(request->text)[0], "Max-Forwards: 70");
    EXPECT_EQ(request->next_hop, kAliceContact);
}

TEST(GeneratedRequest, AckForAGeneratedReInviteKeepsItsCSeq) {
    const Call call;
    Dialog dialog = call.confirmed();
    RequestOptions options;
    options.content_type = "application/sdp";
    options.body = kHoldOffer;
    auto invite = dialog.build_request(Side::Callee, "INVITE", options);
    ASSERT_TRUE(invite.ok());
    auto ack = dialog.build_ack(Side::Callee, invite->cseq);
    ASSERT_TRUE(ack.ok());
    EXPECT_EQ(first_line(ack->text), "ACK sip:bob@198.51.100.20:5070;transport=tcp SIP/2.0");
    const auto lines = header_lines(ack->text);
    EXPECT_NE(std::find(lines.begin(), lines.end(), "CSeq: 102 ACK"), lines.end());
    // The ACK used no new number.
    auto next = dialog.build_request(Side::Callee, "OPTIONS");
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(next->cseq, 103u);
}

TEST(GeneratedRequest, RefusesWhatCannotBeSent) {
    const Call call;
    // Not confirmed yet.
    auto early = Dialog::from_initial_invite(1, call.invite(), {}, kStart);
    ASSERT_TRUE(early.ok());
    auto refused = early->build_request(Side::Caller, "OPTIONS");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().status, 481);

    Dialog dialog = call.confirmed();
    EXPECT_FALSE(dialog.build_request(Side::Callee, "ACK").ok());
    EXPECT_FALSE(dialog.build_request(Side::Callee, "CANCEL").ok());
    EXPECT_FALSE(dialog.build_request(Side::Callee, "BYE").ok());
    EXPECT_FALSE(dialog.build_request(Side::Callee, "NOT A TOKEN").ok());
    RequestOptions body_without_type;
    body_without_type.body = "hello";
    EXPECT_FALSE(dialog.build_request(Side::Callee, "INFO", body_without_type).ok());
    RequestOptions bad_header;
    bad_header.extra_headers = "no colon here";
    EXPECT_FALSE(dialog.build_request(Side::Callee, "INFO", bad_header).ok());
    // None of the refusals consumed a CSeq number.
    auto next = dialog.build_request(Side::Callee, "INFO");
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(next->cseq, kInviteCSeq + 1);

    // A second INVITE while the first is pending: glare avoided (491).
    auto first = dialog.build_request(Side::Callee, "INVITE");
    ASSERT_TRUE(first.ok());
    auto second = dialog.build_request(Side::Caller, "INVITE");
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().status, 491);
    // Once the first is answered, it may go.
    ASSERT_TRUE(dialog
                    .on_request_reply(
                        call.request_reply(Side::Callee, 200, "INVITE", first->cseq, kBobAnswer),
                        Side::Callee)
                    .ok());
    ASSERT_TRUE(dialog.build_ack(Side::Callee, first->cseq).ok());
    EXPECT_TRUE(dialog.build_request(Side::Caller, "INVITE").ok());
}

TEST(GeneratedRequest, ExtraHeadersAcceptBareLineFeeds) {
    const Call call;
    Dialog dialog = call.confirmed();
    RequestOptions options;
    options.extra_headers = "X-One: 1\nX-Two:2\n\n";
    options.max_forwards = 10;
    auto request = dialog.build_request(Side::Callee, "NOTIFY", options);
    ASSERT_TRUE(request.ok());
    const auto lines = header_lines(request->text);
    EXPECT_NE(std::find(lines.begin(), lines.end(), "X-One: 1"), lines.end());
    EXPECT_NE(std::find(lines.begin(), lines.end(), "X-Two: 2"), lines.end());
    EXPECT_NE(std::find(lines.begin(), lines.end(), "Max-Forwards: 10"), lines.end());
}

TEST(GeneratedRequest, TargetRefreshChangesWhereLaterRequestsGo) {
    const Call call;
    Dialog dialog = call.confirmed();
    // Bob moves (re-INVITE with a new Contact).
    auto reinvite = call.request(Side::Callee, "INVITE", 1, kBobAnswer, "sip:bob@203.0.113.5");
    ASSERT_TRUE(dialog.on_request(reinvite, Side::Callee, kStart).ok());
    EXPECT_EQ(dialog.leg(Side::Callee).contact, "sip:bob@203.0.113.5");
    ASSERT_TRUE(dialog
                    .on_request_reply(call.request_reply(Side::Caller, 200, "INVITE", 1,
                                                         kAliceOffer, "sip:alice@203.0.113.9"),
                                      Side::Caller)
                    .ok());
    EXPECT_EQ(dialog.leg(Side::Caller).contact, "sip:alice@203.0.113.9");

    auto options = dialog.build_request(Side::Callee, "OPTIONS");
    ASSERT_TRUE(options.ok());
    EXPECT_EQ(options->request_uri, "sip:bob@203.0.113.5");
    const auto lines = header_lines(options->text);
    EXPECT_NE(std::find(lines.begin(), lines.end(), "Contact: <sip:alice@203.0.113.9>"),
              lines.end());
}

}  // namespace
}  // namespace tandem::dialog
