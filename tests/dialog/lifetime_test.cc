// max_duration expiry, linger after the end, and explicit termination.
#include <gtest/gtest.h>

#include "call_messages.h"
#include "dialog/dialog.h"

namespace tandem::dialog {
namespace {

using namespace testing;
using std::chrono::seconds;

// call.confirmed() answers at kStart + 5 s.
const TimePoint kAnswered = kStart + seconds(5);

TEST(Lifetime, UnlimitedByDefault) {
    const Call call;
    Dialog dialog = call.confirmed();
    EXPECT_EQ(dialog.max_duration(), seconds(0));
    EXPECT_FALSE(dialog.expiry_deadline().has_value());
    EXPECT_FALSE(dialog.linger_deadline().has_value());
    auto expired = dialog.expire(kStart + std::chrono::hours(100));
    ASSERT_FALSE(expired.ok());
    EXPECT_EQ(dialog.state(), State::Confirmed);
}

TEST(Lifetime, MaxDurationCountsFromTheAnswer) {
    const Call call;
    DialogOptions options;
    options.max_duration = seconds(3600);
    // Unconfirmed dialogs have no expiry: the INVITE transaction bounds them.
    auto created = Dialog::from_initial_invite(1, call.invite(), {}, kStart, options);
    ASSERT_TRUE(created.ok());
    EXPECT_FALSE(created->expiry_deadline().has_value());

    Dialog dialog = call.confirmed(kAliceOffer, kBobAnswer, options);
    EXPECT_EQ(dialog.expiry_deadline(), kAnswered + seconds(3600));
    // The script changes it per call; it still counts from the answer.
    dialog.set_max_duration(seconds(60));
    EXPECT_EQ(dialog.expiry_deadline(), kAnswered + seconds(60));
    dialog.set_max_duration(seconds(0));
    EXPECT_FALSE(dialog.expiry_deadline().has_value());
}

TEST(Lifetime, ExpiryEndsTheCallWithTwoByes) {
    const Call call;
    Dialog dialog = call.confirmed();
    dialog.set_max_duration(seconds(120));
    const TimePoint deadline = kAnswered + seconds(120);

    // A timer that fires early (or was scheduled for an older deadline)
    // changes nothing; the proxy reschedules.
    auto early = dialog.expire(deadline - seconds(1));
    ASSERT_FALSE(early.ok());
    EXPECT_EQ(dialog.state(), State::Confirmed);

    RequestOptions options;
    options.via = "SIP/2.0/UDP tandem.example.org;branch=z9hG4bKexp";
    auto expired = dialog.expire(deadline, options);
    ASSERT_TRUE(expired.ok()) << expired.error().reason;
    EXPECT_EQ(expired->state_change, (StateChange{State::Confirmed, State::Deleted}));
    EXPECT_EQ(dialog.end_reason(), EndReason::Timeout);
    EXPECT_EQ(dialog.ended_at(), deadline);
    EXPECT_FALSE(dialog.expiry_deadline().has_value());
    EXPECT_EQ(dialog.linger_deadline(), deadline + kDefaultLinger);

    const sip::Message to_caller = parse_message(expired->bye_to_caller.text);
    const sip::Message to_callee = parse_message(expired->bye_to_callee.text);
    EXPECT_EQ(to_caller.method(), sip::Method::Bye);
    EXPECT_EQ(to_callee.method(), sip::Method::Bye);
    EXPECT_EQ(to_caller.request_uri_text(), kAliceContact);
    EXPECT_EQ(to_callee.request_uri_text(), kBobContact);
    EXPECT_EQ(to_caller.to()->tag, kAliceTag);
    EXPECT_EQ(to_caller.from()->tag, kBobTag);
    EXPECT_EQ(to_callee.to()->tag, kBobTag);
    EXPECT_EQ(to_callee.from()->tag, kAliceTag);
    EXPECT_EQ(to_callee.cseq()->number, kInviteCSeq + 1);
    EXPECT_EQ(to_caller.top_via()->branch, "z9hG4bKexp");
    EXPECT_EQ(expired->bye_to_callee.destination, kCalleeAddress);
    EXPECT_EQ(expired->bye_to_caller.destination, kCallerAddress);

    // Once ended, it does not expire twice.
    EXPECT_FALSE(dialog.expire(deadline + seconds(10)).ok());
}

// The example of docs/dialog.md: hold, an INFO from Alice, then timeout.
TEST(Lifetime, TheDocumentedExample) {
    const Call call;
    Dialog dialog = call.confirmed();
    dialog.set_max_duration(seconds(600));
    auto hold = dialog.build_request(Side::Callee, "INVITE");
    ASSERT_TRUE(hold.ok());
    EXPECT_EQ(hold->cseq, 102u);
    ASSERT_TRUE(
        dialog
            .on_request_reply(call.request_reply(Side::Callee, 200, "INVITE", 102, kBobAnswer),
                              Side::Callee)
            .ok());
    ASSERT_TRUE(dialog.build_ack(Side::Callee, 102).ok());
    auto info = dialog.on_request(call.request(Side::Caller, "INFO", 102), Side::Caller, kStart);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->cseq, (CSeqRewrite{102, 103}));
    auto expired = dialog.expire(kAnswered + seconds(600));
    ASSERT_TRUE(expired.ok());
    EXPECT_EQ(expired->bye_to_callee.cseq, 104u);
    EXPECT_EQ(expired->bye_to_caller.cseq, 1u);
    EXPECT_EQ(expired->state_change, (StateChange{State::Confirmed, State::Deleted}));
    EXPECT_EQ(dialog.linger_deadline(), kAnswered + seconds(600) + seconds(32));
}

TEST(Lifetime, ExpiryInConfirmedNoAckState) {
    const Call call;
    DialogOptions options;
    options.max_duration = seconds(10);
    auto created = Dialog::from_initial_invite(1, call.invite(), {}, kStart, options);
    ASSERT_TRUE(created.ok());
    ASSERT_TRUE(created->on_reply(call.invite_reply(200, kBobTag), {}, kStart).ok());
    auto expired = created->expire(kStart + seconds(10));
    ASSERT_TRUE(expired.ok());
    EXPECT_EQ(expired->state_change.from, State::ConfirmedNoAck);
}

TEST(Lifetime, LingerIsConfigurable) {
    const Call call;
    DialogOptions options;
    options.linger = seconds(5);
    Dialog dialog = call.confirmed(kAliceOffer, kBobAnswer, options);
    ASSERT_TRUE(dialog
                    .on_request(call.request(Side::Caller, "BYE", kInviteCSeq + 1), Side::Caller,
                                kStart + seconds(50))
                    .ok());
    EXPECT_EQ(dialog.linger_deadline(), kStart + seconds(55));
}

TEST(Lifetime, TerminateNeedsAConfirmedDialog) {
    const Call call;
    auto created = Dialog::from_initial_invite(1, call.invite(), {}, kStart);
    ASSERT_TRUE(created.ok());
    auto refused = created->terminate(kStart);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().status, 481);
    EXPECT_EQ(created->state(), State::Unconfirmed);
}

}  // namespace
}  // namespace tandem::dialog
