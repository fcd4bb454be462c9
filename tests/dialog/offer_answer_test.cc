// SDP offer/answer tracking: what each leg was last sent and last sent us,
// pending until the exchange completes, dropped when it fails.
#include <gtest/gtest.h>

#include "call_messages.h"
#include "dialog/dialog.h"

namespace tandem::dialog {
namespace {

using namespace testing;

constexpr std::string_view kBobHold =
    "v=0\r\no=bob 2808844564 2808844565 IN IP4 198.51.100.20\r\ns=-\r\n"
    "c=IN IP4 198.51.100.20\r\nt=0 0\r\nm=audio 3456 RTP/AVP 0\r\na=sendonly\r\n";
constexpr std::string_view kAliceHeld =
    "v=0\r\no=alice 2890844526 2890844527 IN IP4 192.0.2.10\r\ns=-\r\n"
    "c=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=recvonly\r\n";
constexpr std::string_view kAliceNewOffer =
    "v=0\r\no=alice 2890844526 2890844528 IN IP4 192.0.2.10\r\ns=-\r\n"
    "c=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 49172 RTP/AVP 8\r\na=sendrecv\r\n";
constexpr std::string_view kRelayedOffer =
    "v=0\r\no=rtpengine 1 1 IN IP4 203.0.113.1\r\ns=-\r\n"
    "c=IN IP4 203.0.113.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\na=sendrecv\r\n";

void expect_sdps(const Dialog& dialog, std::string_view caller_sent,
                 std::string_view caller_received, std::string_view callee_sent,
                 std::string_view callee_received) {
    EXPECT_EQ(dialog.leg(Side::Caller).sdp_sent, caller_sent);
    EXPECT_EQ(dialog.leg(Side::Caller).sdp_received, caller_received);
    EXPECT_EQ(dialog.leg(Side::Callee).sdp_sent, callee_sent);
    EXPECT_EQ(dialog.leg(Side::Callee).sdp_received, callee_received);
}

TEST(OfferAnswer, ReInviteFromTheCalleeIsPendingThenCommittedOn2xx) {
    const Call call;
    Dialog dialog = call.confirmed();
    auto hold =
        dialog.on_request(call.request(Side::Callee, "INVITE", 1, kBobHold), Side::Callee, kStart);
    ASSERT_TRUE(hold.ok());
    EXPECT_EQ(hold->offer_answer, OfferAnswer::Pending);
    // Nothing changes until the answer.
    expect_sdps(dialog, kBobAnswer, kAliceOffer, kAliceOffer, kBobAnswer);

    // A 100 and a 180 without body change nothing either.
    auto ringing =
        dialog.on_request_reply(call.request_reply(Side::Caller, 180, "INVITE", 1), Side::Caller);
    ASSERT_TRUE(ringing.ok());
    EXPECT_EQ(ringing->offer_answer, OfferAnswer::None);

    auto ok = dialog.on_request_reply(
        call.request_reply(Side::Caller, 200, "INVITE", 1, kAliceHeld), Side::Caller);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->offer_answer, OfferAnswer::Committed);
    expect_sdps(dialog, kBobHold, kAliceHeld, kAliceHeld, kBobHold);
}

TEST(OfferAnswer, ReInviteFromTheCallerRejectedWith488KeepsTheOldSdps) {
    const Call call;
    Dialog dialog = call.confirmed();
    auto offer =
        dialog.on_request(call.request(Side::Caller, "INVITE", kInviteCSeq + 1, kAliceNewOffer),
                          Side::Caller, kStart);
    ASSERT_TRUE(offer.ok());
    EXPECT_EQ(offer->offer_answer, OfferAnswer::Pending);
    auto rejected = dialog.on_request_reply(
        call.request_reply(Side::Callee, 488, "INVITE", kInviteCSeq + 1), Side::Callee);
    ASSERT_TRUE(rejected.ok());
    EXPECT_EQ(rejected->offer_answer, OfferAnswer::Discarded);
    expect_sdps(dialog, kBobAnswer, kAliceOffer, kAliceOffer, kBobAnswer);

    // A late 200 for that transaction has nothing left to commit.
    auto late = dialog.on_request_reply(
        call.request_reply(Side::Callee, 200, "INVITE", kInviteCSeq + 1, kBobHold), Side::Callee);
    ASSERT_TRUE(late.ok());
    EXPECT_EQ(late->offer_answer, OfferAnswer::None);
    expect_sdps(dialog, kBobAnswer, kAliceOffer, kAliceOffer, kBobAnswer);
}

TEST(OfferAnswer, RepliesOfOtherTransactionsDoNotTouchThePendingOffer) {
    const Call call;
    Dialog dialog = call.confirmed();
    ASSERT_TRUE(
        dialog
            .on_request(call.request(Side::Caller, "INVITE", kInviteCSeq + 1, kAliceNewOffer),
                        Side::Caller, kStart)
            .ok());
    // A reply to an INFO from the same leg, and a 200 for another CSeq.
    auto info = dialog.on_request_reply(
        call.request_reply(Side::Callee, 200, "INFO", kInviteCSeq + 1), Side::Callee);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->offer_answer, OfferAnswer::None);
    auto other = dialog.on_request_reply(
        call.request_reply(Side::Callee, 200, "INVITE", kInviteCSeq + 7, kBobHold), Side::Callee);
    ASSERT_TRUE(other.ok());
    EXPECT_EQ(other->offer_answer, OfferAnswer::None);
    // The right one commits.
    auto ok = dialog.on_request_reply(
        call.request_reply(Side::Callee, 200, "INVITE", kInviteCSeq + 1, kBobHold), Side::Callee);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->offer_answer, OfferAnswer::Committed);
    expect_sdps(dialog, kBobHold, kAliceNewOffer, kAliceNewOffer, kBobHold);
}

TEST(OfferAnswer, LateOfferIsCommittedByTheAck) {
    const Call call;
    auto created = Dialog::from_initial_invite(1, call.invite({}), {}, kStart);
    ASSERT_TRUE(created.ok());
    Dialog& dialog = *created;
    auto ok = dialog.on_reply(call.invite_reply(200, kBobTag, kBobAnswer), {}, kStart);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->offer_answer, OfferAnswer::Pending);  // the 2xx carries the offer
    expect_sdps(dialog, "", "", "", "");
    auto ack = dialog.on_request(call.request(Side::Caller, "ACK", kInviteCSeq, kAliceOffer),
                                 Side::Caller, kStart);
    ASSERT_TRUE(ack.ok());
    EXPECT_EQ(ack->offer_answer, OfferAnswer::Committed);
    // Bob offered, Alice answered.
    expect_sdps(dialog, kBobAnswer, kAliceOffer, kAliceOffer, kBobAnswer);
}

TEST(OfferAnswer, ReInviteWithoutSdpFromEitherSide) {
    const Call call;
    Dialog dialog = call.confirmed();
    // Bob asks for an offer; Alice offers in the 200, Bob answers in the ACK.
    ASSERT_TRUE(
        dialog.on_request(call.request(Side::Callee, "INVITE", 1), Side::Callee, kStart).ok());
    auto ok = dialog.on_request_reply(
        call.request_reply(Side::Caller, 200, "INVITE", 1, kAliceNewOffer), Side::Caller);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->offer_answer, OfferAnswer::Pending);
    auto ack =
        dialog.on_request(call.request(Side::Callee, "ACK", 1, kBobHold), Side::Callee, kStart);
    ASSERT_TRUE(ack.ok());
    EXPECT_EQ(ack->offer_answer, OfferAnswer::Committed);
    expect_sdps(dialog, kBobHold, kAliceNewOffer, kAliceNewOffer, kBobHold);

    // An ACK without the answer drops the offer.
    ASSERT_TRUE(
        dialog.on_request(call.request(Side::Callee, "INVITE", 2), Side::Callee, kStart).ok());
    ASSERT_TRUE(
        dialog
            .on_request_reply(call.request_reply(Side::Caller, 200, "INVITE", 2, kAliceOffer),
                              Side::Caller)
            .ok());
    auto bare_ack = dialog.on_request(call.request(Side::Callee, "ACK", 2), Side::Callee, kStart);
    ASSERT_TRUE(bare_ack.ok());
    EXPECT_EQ(bare_ack->offer_answer, OfferAnswer::Discarded);
    expect_sdps(dialog, kBobHold, kAliceNewOffer, kAliceNewOffer, kBobHold);
}

TEST(OfferAnswer, UpdateOfferAnsweredIn2xx) {
    const Call call;
    Dialog dialog = call.confirmed();
    auto update =
        dialog.on_request(call.request(Side::Caller, "UPDATE", kInviteCSeq + 1, kAliceNewOffer),
                          Side::Caller, kStart);
    ASSERT_TRUE(update.ok());
    EXPECT_EQ(update->offer_answer, OfferAnswer::Pending);
    auto ok = dialog.on_request_reply(
        call.request_reply(Side::Callee, 200, "UPDATE", kInviteCSeq + 1, kBobHold), Side::Callee);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->offer_answer, OfferAnswer::Committed);
    expect_sdps(dialog, kBobHold, kAliceNewOffer, kAliceNewOffer, kBobHold);
}

TEST(OfferAnswer, AnswerInAReliableProvisionalIsCommittedBy2xxWithoutBody) {
    const Call call;
    Dialog dialog = call.confirmed();
    ASSERT_TRUE(
        dialog
            .on_request(call.request(Side::Caller, "INVITE", kInviteCSeq + 1, kAliceNewOffer),
                        Side::Caller, kStart)
            .ok());
    ASSERT_TRUE(dialog
                    .on_request_reply(
                        call.request_reply(Side::Callee, 183, "INVITE", kInviteCSeq + 1, kBobHold),
                        Side::Callee)
                    .ok());
    expect_sdps(dialog, kBobAnswer, kAliceOffer, kAliceOffer, kBobAnswer);  // not yet
    auto ok = dialog.on_request_reply(
        call.request_reply(Side::Callee, 200, "INVITE", kInviteCSeq + 1), Side::Callee);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->offer_answer, OfferAnswer::Committed);
    expect_sdps(dialog, kBobHold, kAliceNewOffer, kAliceNewOffer, kBobHold);
}

TEST(OfferAnswer, ARelayedBodyChangedByTheScriptIsWhatTheOtherLegWasSent) {
    const Call call;
    auto created = Dialog::from_initial_invite(1, call.invite(kAliceOffer), {}, kStart, {},
                                               RelayedBody{kRelayedOffer});
    ASSERT_TRUE(created.ok());
    Dialog& dialog = *created;
    ASSERT_TRUE(dialog
                    .on_reply(call.invite_reply(200, kBobTag, kBobAnswer), {}, kStart,
                              RelayedBody{kBobHold})
                    .ok());
    // Bob got the media relay's offer, Alice the relay's answer.
    expect_sdps(dialog, kBobHold, kAliceOffer, kRelayedOffer, kBobAnswer);
}

TEST(OfferAnswer, EachDistinctSdpIsStoredOnce) {
    const Call call;
    Dialog dialog = call.confirmed();
    // Four SDP slots, two distinct bodies: the texts hold each once.
    const std::size_t with_two = dialog.text_bytes();
    Dialog without = call.confirmed({}, {});
    const std::size_t without_sdp = without.text_bytes();
    EXPECT_EQ(with_two - without_sdp, kAliceOffer.size() + kBobAnswer.size());
}

TEST(OfferAnswer, GeneratedReInviteChangesOnlyTheTargetLeg) {
    const Call call;
    Dialog dialog = call.confirmed();
    RequestOptions options;
    options.content_type = "application/sdp";
    options.body = kAliceHeld;
    auto hold = dialog.build_request(Side::Callee, "INVITE", options);
    ASSERT_TRUE(hold.ok());
    auto ok = dialog.on_request_reply(
        call.request_reply(Side::Callee, 200, "INVITE", hold->cseq, kBobHold), Side::Callee);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->offer_answer, OfferAnswer::Committed);
    // Bob was sent the hold offer and answered; Alice saw nothing of it.
    expect_sdps(dialog, kBobAnswer, kAliceOffer, kAliceHeld, kBobHold);
}

TEST(OfferAnswer, GeneratedReInviteRejectedKeepsTheTargetsSdps) {
    const Call call;
    Dialog dialog = call.confirmed();
    RequestOptions options;
    options.content_type = "application/sdp";
    options.body = kAliceHeld;
    auto hold = dialog.build_request(Side::Callee, "INVITE", options);
    ASSERT_TRUE(hold.ok());
    auto rejected = dialog.on_request_reply(
        call.request_reply(Side::Callee, 488, "INVITE", hold->cseq), Side::Callee);
    ASSERT_TRUE(rejected.ok());
    EXPECT_EQ(rejected->offer_answer, OfferAnswer::Discarded);
    expect_sdps(dialog, kBobAnswer, kAliceOffer, kAliceOffer, kBobAnswer);
}

TEST(OfferAnswer, GeneratedReInviteWithoutSdpIsAnsweredInTheAck) {
    const Call call;
    Dialog dialog = call.confirmed();
    // Media exchange's "challenge": get an offer from Bob.
    auto invite = dialog.build_request(Side::Callee, "INVITE");
    ASSERT_TRUE(invite.ok());
    auto ok = dialog.on_request_reply(
        call.request_reply(Side::Callee, 200, "INVITE", invite->cseq, kBobHold), Side::Callee);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->offer_answer, OfferAnswer::Pending);
    RequestOptions answer;
    answer.content_type = "application/sdp";
    answer.body = kAliceHeld;
    auto ack = dialog.build_ack(Side::Callee, invite->cseq, answer);
    ASSERT_TRUE(ack.ok());
    EXPECT_EQ(body_of(ack->text), kAliceHeld);
    expect_sdps(dialog, kBobAnswer, kAliceOffer, kAliceHeld, kBobHold);
}

TEST(OfferAnswer, BareAckBuiltBeforeThe2xxIsSeenClosesTheExchange) {
    const Call call;
    Dialog dialog = call.confirmed();
    auto invite = dialog.build_request(Side::Callee, "INVITE");
    ASSERT_TRUE(invite.ok());
    // The proxy ACKs the 2xx at once, then reports it.
    ASSERT_TRUE(dialog.build_ack(Side::Callee, invite->cseq).ok());
    auto ok = dialog.on_request_reply(
        call.request_reply(Side::Callee, 200, "INVITE", invite->cseq, kBobHold), Side::Callee);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->offer_answer, OfferAnswer::None);
    expect_sdps(dialog, kBobAnswer, kAliceOffer, kAliceOffer, kBobAnswer);
    // Nothing is left pending: the next re-INVITE may go.
    EXPECT_TRUE(dialog.build_request(Side::Callee, "INVITE").ok());
}

TEST(OfferAnswer, AckBuiltBeforeThe2xxOfAnOfferingReInviteStillCommits) {
    const Call call;
    Dialog dialog = call.confirmed();
    RequestOptions options;
    options.content_type = "application/sdp";
    options.body = kAliceHeld;
    auto invite = dialog.build_request(Side::Callee, "INVITE", options);
    ASSERT_TRUE(invite.ok());
    ASSERT_TRUE(dialog.build_ack(Side::Callee, invite->cseq).ok());
    auto ok = dialog.on_request_reply(
        call.request_reply(Side::Callee, 200, "INVITE", invite->cseq, kBobHold), Side::Callee);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->offer_answer, OfferAnswer::Committed);
    expect_sdps(dialog, kBobAnswer, kAliceOffer, kAliceHeld, kBobHold);
}

TEST(OfferAnswer, UntrackedGeneratedOfferLeavesTheStoredSdps) {
    const Call call;
    Dialog dialog = call.confirmed();
    RequestOptions options;
    options.content_type = "application/sdp";
    options.body = kAliceHeld;
    options.track_sdp = false;
    auto invite = dialog.build_request(Side::Callee, "INVITE", options);
    ASSERT_TRUE(invite.ok());
    auto ok = dialog.on_request_reply(
        call.request_reply(Side::Callee, 200, "INVITE", invite->cseq, kBobHold), Side::Callee);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->offer_answer, OfferAnswer::None);
    expect_sdps(dialog, kBobAnswer, kAliceOffer, kAliceOffer, kBobAnswer);
}

TEST(OfferAnswer, ATimedOutReInviteIsLikeAFailure) {
    const Call call;
    Dialog dialog = call.confirmed();
    auto offer =
        dialog.on_request(call.request(Side::Caller, "INVITE", kInviteCSeq + 1, kAliceNewOffer),
                          Side::Caller, kStart);
    ASSERT_TRUE(offer.ok());
    EXPECT_EQ(dialog.request_failed(Side::Callee, offer->cseq.relayed, sip::Method::Invite),
              OfferAnswer::Discarded);
    // With the exchange gone, Tandem may send its own re-INVITE.
    EXPECT_TRUE(dialog.build_request(Side::Callee, "INVITE").ok());
}

}  // namespace
}  // namespace tandem::dialog
