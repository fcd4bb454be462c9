// CSeq bookkeeping: after Tandem generates requests towards a leg, requests
// relayed towards it are shifted up, replies from it restored, and ACK,
// CANCEL and PRACK follow the INVITE they belong to.
#include <gtest/gtest.h>

#include "call_messages.h"
#include "dialog/cseq_space.h"
#include "dialog/dialog.h"

namespace tandem::dialog {
namespace {

using namespace testing;
using sip::Method;

TEST(CSeqSpace, RelaysUnchangedUntilTandemGenerates) {
    CSeqSpace space;
    space.start_with(10, Method::Invite);
    auto ack = space.relay(10, Method::Ack);
    ASSERT_TRUE(ack.ok());
    EXPECT_EQ(*ack, (CSeqRewrite{10, 10}));
    auto info = space.relay(11, Method::Info);
    ASSERT_TRUE(info.ok());
    EXPECT_FALSE(info->needed());
    EXPECT_EQ(space.last_from_peer(), 11u);
    EXPECT_EQ(space.last_received(), 11u);
}

TEST(CSeqSpace, GeneratedNumbersStayAboveAndRelayedOnesAboveThem) {
    CSeqSpace space;
    space.start_with(10, Method::Invite);
    EXPECT_EQ(*space.generate(), 11u);
    EXPECT_EQ(*space.generate(), 12u);
    EXPECT_EQ(space.offset(), 2u);
    EXPECT_EQ(space.generated(), 2u);
    // The peer goes on with 11, 12: they reach the leg as 13, 14.
    EXPECT_EQ(*space.relay(11, Method::Options), (CSeqRewrite{11, 13}));
    EXPECT_EQ(*space.relay(12, Method::Invite), (CSeqRewrite{12, 14}));
    EXPECT_EQ(*space.generate(), 15u);
    EXPECT_EQ(space.offset(), 3u);
    // ACK and CANCEL of the INVITE keep its number even though the offset
    // moved since.
    EXPECT_EQ(*space.relay(12, Method::Ack), (CSeqRewrite{12, 14}));
    EXPECT_EQ(*space.relay(12, Method::Cancel), (CSeqRewrite{12, 14}));
    EXPECT_EQ(*space.relay(13, Method::Bye), (CSeqRewrite{13, 16}));
}

TEST(CSeqSpace, AGeneratedFirstRequestLeavesRoomForAPeerStartingAtZero) {
    CSeqSpace space;  // towards the caller: nothing received yet
    EXPECT_EQ(*space.generate(), 1u);
    // RFC 3261 allows a first CSeq of 0; it must still land above 1.
    EXPECT_EQ(space.relay(0, Method::Info)->relayed, 2u);
}

TEST(CSeqSpace, PeerJumpingAheadNeedsNoMoreOffset) {
    CSeqSpace space;
    space.start_with(10, Method::Invite);
    EXPECT_EQ(*space.generate(), 11u);
    EXPECT_EQ(space.relay(500, Method::Info)->relayed, 501u);
    EXPECT_EQ(*space.generate(), 502u);
    EXPECT_EQ(space.relay(501, Method::Info)->relayed, 503u);
}

TEST(CSeqSpace, RefusesNumbersBeyondTheCSeqRange) {
    CSeqSpace space;
    space.start_with(0x7ffffffe, Method::Invite);
    EXPECT_EQ(*space.generate(), 0x7fffffffu);
    EXPECT_FALSE(space.generate().ok());
    EXPECT_FALSE(space.relay(0x7fffffff, Method::Info).ok());
}

// A whole call: Tandem holds Bob (re-INVITE), refers Alice, then both
// parties go on with their own numbering.
TEST(DialogCSeq, GeneratedRequestsShiftRelayedOnesBothWays) {
    const Call call;
    Dialog dialog = call.confirmed();

    auto hold = dialog.build_request(Side::Callee, "INVITE");
    ASSERT_TRUE(hold.ok());
    EXPECT_EQ(hold->cseq, 102u);
    ASSERT_TRUE(
        dialog
            .on_request_reply(call.request_reply(Side::Callee, 200, "INVITE", 102, kBobAnswer),
                              Side::Callee)
            .ok());
    ASSERT_TRUE(dialog.build_ack(Side::Callee, 102).ok());
    auto options = dialog.build_request(Side::Callee, "OPTIONS");
    ASSERT_TRUE(options.ok());
    EXPECT_EQ(options->cseq, 103u);
    auto refer = dialog.build_request(Side::Caller, "REFER");
    ASSERT_TRUE(refer.ok());
    EXPECT_EQ(refer->cseq, 1u);

    EXPECT_EQ(dialog.leg(Side::Callee).cseq_offset, 2u);
    EXPECT_EQ(dialog.leg(Side::Callee).generated_requests, 2u);
    EXPECT_EQ(dialog.leg(Side::Caller).generated_requests, 1u);

    // Alice's next request (102 in her numbering) reaches Bob as 104...
    auto info = dialog.on_request(call.request(Side::Caller, "INFO", 102), Side::Caller, kStart);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->towards, Side::Callee);
    EXPECT_EQ(info->cseq, (CSeqRewrite{102, 104}));
    EXPECT_TRUE(info->cseq.needed());
    // ...and Bob's reply carries 104, which the proxy turns back into
    // Alice's 102 from the rewrite it kept with the transaction.
    const sip::Message reply = call.request_reply(Side::Callee, 200, "INFO", info->cseq.relayed);
    EXPECT_EQ(reply.cseq()->number, 104u);
    EXPECT_EQ(info->cseq.original, 102u);

    // Bob's first request (his CSeq 1) reaches Alice above the REFER's 1.
    auto bob_info = dialog.on_request(call.request(Side::Callee, "INFO", 1), Side::Callee, kStart);
    ASSERT_TRUE(bob_info.ok());
    EXPECT_EQ(bob_info->towards, Side::Caller);
    EXPECT_EQ(bob_info->cseq, (CSeqRewrite{1, 3}));

    // The leg's own numbering is what it sent; "last CSeq" is in its terms.
    EXPECT_EQ(dialog.leg(Side::Caller).last_cseq, 102u);
    EXPECT_EQ(dialog.leg(Side::Callee).last_cseq, 1u);

    // Tandem's next request towards Alice goes above what she has seen.
    auto notify = dialog.build_request(Side::Caller, "NOTIFY");
    ASSERT_TRUE(notify.ok());
    EXPECT_EQ(notify->cseq, 4u);
}

TEST(DialogCSeq, AckAndCancelOfARelayedReInviteUseItsRewrittenNumber) {
    const Call call;
    Dialog dialog = call.confirmed();
    ASSERT_TRUE(dialog.build_request(Side::Callee, "OPTIONS").ok());  // 102 to Bob

    auto reinvite = dialog.on_request(call.request(Side::Caller, "INVITE", 102, kAliceOffer),
                                      Side::Caller, kStart);
    ASSERT_TRUE(reinvite.ok());
    EXPECT_EQ(reinvite->cseq, (CSeqRewrite{102, 103}));

    // Tandem generates towards Bob meanwhile (the offset moves on).
    ASSERT_TRUE(dialog.build_request(Side::Callee, "INFO").ok());  // 104
    EXPECT_EQ(dialog.leg(Side::Callee).cseq_offset, 2u);

    auto cancel =
        dialog.on_request(call.request(Side::Caller, "CANCEL", 102), Side::Caller, kStart);
    ASSERT_TRUE(cancel.ok());
    EXPECT_EQ(cancel->cseq, (CSeqRewrite{102, 103}));
    auto ack = dialog.on_request(call.request(Side::Caller, "ACK", 102), Side::Caller, kStart);
    ASSERT_TRUE(ack.ok());
    EXPECT_EQ(ack->cseq, (CSeqRewrite{102, 103}));

    // The next new request gets the new offset.
    auto bye = dialog.on_request(call.request(Side::Caller, "BYE", 103), Side::Caller, kStart);
    ASSERT_TRUE(bye.ok());
    EXPECT_EQ(bye->cseq, (CSeqRewrite{103, 105}));
}

TEST(DialogCSeq, ReInviteAnswerMatchesItsRewrittenNumber) {
    const Call call;
    Dialog dialog = call.confirmed();
    ASSERT_TRUE(dialog.build_request(Side::Callee, "OPTIONS").ok());  // 102 to Bob
    auto reinvite = dialog.on_request(call.request(Side::Caller, "INVITE", 102, kAliceOffer),
                                      Side::Caller, kStart);
    ASSERT_TRUE(reinvite.ok());
    // Bob answers the INVITE he saw as 103.
    auto ok = dialog.on_request_reply(
        call.request_reply(Side::Callee, 200, "INVITE", reinvite->cseq.relayed, kBobAnswer),
        Side::Callee);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->offer_answer, OfferAnswer::Committed);
}

TEST(DialogCSeq, PrackRAckFollowsTheRewrittenInvite) {
    const Call call;
    Dialog dialog = call.confirmed();
    ASSERT_TRUE(dialog.build_request(Side::Callee, "OPTIONS").ok());  // 102 to Bob
    ASSERT_TRUE(dialog
                    .on_request(call.request(Side::Caller, "INVITE", 102, kAliceOffer),
                                Side::Caller, kStart)
                    .ok());  // 103 to Bob
    auto prack = dialog.on_request(
        call.request(Side::Caller, "PRACK", 103, {}, {}, "RAck: 776656 102 INVITE"), Side::Caller,
        kStart);
    ASSERT_TRUE(prack.ok());
    EXPECT_EQ(prack->cseq, (CSeqRewrite{103, 104}));
    ASSERT_TRUE(prack->rack.has_value());
    EXPECT_EQ(*prack->rack, "776656 103 INVITE");

    // Without renumbering, the RAck stays.
    Dialog plain = call.confirmed();
    auto plain_prack =
        plain.on_request(call.request(Side::Caller, "PRACK", 102, {}, {}, "RAck: 1 101 INVITE"),
                         Side::Caller, kStart);
    ASSERT_TRUE(plain_prack.ok());
    EXPECT_FALSE(plain_prack->rack.has_value());
}

TEST(DialogCSeq, AMalformedRequestChangesNothing) {
    const Call call;
    Dialog dialog = call.confirmed();
    ASSERT_TRUE(dialog.build_request(Side::Callee, "OPTIONS").ok());  // 102 to Bob
    auto bad = dialog.on_request(
        call.request(Side::Caller, "INVITE", 500, kAliceOffer, {}, "Contact: <sip:unterminated"),
        Side::Caller, kStart);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().status, 400);
    // Neither the numbering nor the pending offer moved.
    EXPECT_EQ(dialog.leg(Side::Caller).last_cseq, kInviteCSeq);
    auto next = dialog.build_request(Side::Callee, "INVITE");
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(next->cseq, 103u);
}

TEST(DialogCSeq, EarlyForksDoNotLeakIntoTheWinnersNumbering) {
    const Call call;
    auto created = Dialog::from_initial_invite(1, call.invite(), {}, kStart);
    ASSERT_TRUE(created.ok());
    Dialog& dialog = *created;
    ASSERT_TRUE(dialog.on_reply(call.invite_reply(183, "branch-a"), {}, kStart).ok());
    ASSERT_TRUE(dialog.on_reply(call.invite_reply(183, "branch-b"), {}, kStart).ok());
    // Branch B sends an UPDATE numbered 900 in its early dialog.
    auto update = parse_message(
        "UPDATE sip:alice@192.0.2.10:5060 SIP/2.0\r\nVia: SIP/2.0/UDP b;branch=z9hG4bKb\r\n"
        "From: <sip:bob@example.net>;tag=branch-b\r\n"
        "To: <sip:alice@example.com>;tag=1928301774\r\n"
        "Call-ID: a84b4c76e66710@pc33.example.com\r\nCSeq: 900 UPDATE\r\n"
        "Content-Length: 0\r\n\r\n");
    ASSERT_EQ(dialog.sender_of(update), Side::Callee);
    ASSERT_TRUE(dialog.on_request(update, Side::Callee, kStart).ok());
    // A wins; Alice has seen nothing from A, so Tandem starts at 1.
    ASSERT_TRUE(dialog.on_reply(call.invite_reply(200, "branch-a", kBobAnswer), {}, kStart).ok());
    EXPECT_EQ(dialog.leg(Side::Callee).last_cseq, 0u);
    auto refer = dialog.build_request(Side::Caller, "REFER");
    ASSERT_TRUE(refer.ok());
    EXPECT_EQ(refer->cseq, 1u);
}

}  // namespace
}  // namespace tandem::dialog
