// Creation from the initial INVITE, early dialogs and forking, confirmation,
// failure, CANCEL and BYE, with the state changes they report.
#include <gtest/gtest.h>

#include "call_messages.h"
#include "dialog/dialog.h"
#include "dialog/events.h"

namespace tandem::dialog {
namespace {

using namespace testing;
using std::chrono::seconds;

Dialog created(const Call& call, std::string_view sdp = kAliceOffer,
               const DialogOptions& options = {}) {
    auto dialog = Dialog::from_initial_invite(0x0001000000000007, call.invite(sdp),
                                              {kCallerAddress, 0}, kStart, options);
    EXPECT_TRUE(dialog.ok()) << (dialog.ok() ? "" : dialog.error().reason);
    return std::move(dialog).value();
}

TEST(DialogCreation, TakesTheCallerLegFromTheInvite) {
    const Call call;
    const Dialog dialog = created(call);
    EXPECT_EQ(dialog.state(), State::Unconfirmed);
    EXPECT_EQ(dialog.call_id(), kCallId);
    EXPECT_EQ(dialog.created_at(), kStart);
    EXPECT_FALSE(dialog.confirmed_at().has_value());

    const LegView caller = dialog.leg(Side::Caller);
    EXPECT_EQ(caller.tag, kAliceTag);
    EXPECT_EQ(caller.uri, kAliceUri);
    EXPECT_EQ(caller.peer_uri, kBobUri);
    EXPECT_EQ(caller.contact, kAliceContact);
    // RFC 3261 12.1.1: the Record-Route order of the request.
    EXPECT_EQ(caller.route_set, kRoutesToCaller);
    EXPECT_EQ(caller.destination.address, kCallerAddress);
    EXPECT_EQ(caller.last_cseq, kInviteCSeq);
    EXPECT_TRUE(caller.sdp_received.empty());  // the offer is pending until answered

    const LegView callee = dialog.leg(Side::Callee);
    EXPECT_TRUE(callee.tag.empty());
    EXPECT_EQ(callee.uri, kBobUri);
    EXPECT_EQ(callee.peer_uri, kAliceUri);
}

TEST(DialogCreation, RejectsInvitesThatCannotMakeADialog) {
    const Call call;
    auto no_tag = parse_message(
        "INVITE sip:bob@example.net SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
        "From: <sip:alice@example.com>\r\nTo: <sip:bob@example.net>\r\nCall-ID: x\r\n"
        "CSeq: 1 INVITE\r\nContact: <sip:alice@h>\r\nContent-Length: 0\r\n\r\n");
    auto result = Dialog::from_initial_invite(1, no_tag, {}, kStart);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().status, 400);
    EXPECT_EQ(result.error().reason, "Missing From tag");

    auto no_contact = parse_message(
        "INVITE sip:bob@example.net SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
        "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.net>\r\nCall-ID: x\r\n"
        "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
    result = Dialog::from_initial_invite(1, no_contact, {}, kStart);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().reason, "Missing Contact");

    auto re_invite = call.request(Side::Caller, "INVITE", 5, {}, kAliceContact);
    result = Dialog::from_initial_invite(1, re_invite, {}, kStart);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().reason, "Not an initial INVITE");

    auto bye = call.request(Side::Caller, "BYE", 5);
    EXPECT_FALSE(Dialog::from_initial_invite(1, bye, {}, kStart).ok());
}

TEST(DialogCreation, RingingMakesAnEarlyDialog) {
    const Call call;
    Dialog dialog = created(call);
    auto trying = dialog.on_reply(call.invite_reply(100, {}), {kCalleeAddress, 0}, kStart);
    ASSERT_TRUE(trying.ok());
    EXPECT_FALSE(trying->state_change.has_value());

    // A 180 without To tag makes no early dialog.
    auto untagged = dialog.on_reply(call.invite_reply(180, {}), {kCalleeAddress, 0}, kStart);
    ASSERT_TRUE(untagged.ok());
    EXPECT_FALSE(untagged->state_change.has_value());
    EXPECT_EQ(dialog.state(), State::Unconfirmed);

    auto ringing = dialog.on_reply(call.invite_reply(180, kBobTag), {kCalleeAddress, 9}, kStart);
    ASSERT_TRUE(ringing.ok());
    ASSERT_TRUE(ringing->state_change.has_value());
    EXPECT_EQ(*ringing->state_change, (StateChange{State::Unconfirmed, State::Early}));
    EXPECT_EQ(dialog.state(), State::Early);
    EXPECT_EQ(dialog.early_dialog_count(), 1u);

    const LegView callee = dialog.leg(Side::Callee);
    EXPECT_EQ(callee.tag, kBobTag);
    EXPECT_EQ(callee.contact, kBobContact);
    EXPECT_EQ(callee.route_set, kRoutesToCallee);
    EXPECT_EQ(callee.destination.address, kCalleeAddress);
    EXPECT_EQ(callee.destination.connection_id, 9u);

    // A second 180 from the same branch changes no state.
    auto again = dialog.on_reply(call.invite_reply(180, kBobTag), {kCalleeAddress, 9}, kStart);
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(again->state_change.has_value());
    EXPECT_EQ(dialog.early_dialog_count(), 1u);
}

TEST(DialogCreation, TwoHundredConfirmsWithTheCalleeLegAndRouteSetsInOrder) {
    const Call call;
    Dialog dialog = created(call);
    ASSERT_TRUE(dialog.on_reply(call.invite_reply(180, kBobTag), {kCalleeAddress, 0}, kStart).ok());
    const TimePoint answered = kStart + seconds(7);
    auto ok = dialog.on_reply(call.invite_reply(200, kBobTag, kBobAnswer), {kCalleeAddress, 42},
                              answered);
    ASSERT_TRUE(ok.ok());
    ASSERT_TRUE(ok->state_change.has_value());
    EXPECT_EQ(*ok->state_change, (StateChange{State::Early, State::ConfirmedNoAck}));
    EXPECT_EQ(ok->offer_answer, OfferAnswer::Committed);
    EXPECT_EQ(dialog.state(), State::ConfirmedNoAck);
    EXPECT_EQ(dialog.confirmed_at(), answered);
    EXPECT_EQ(dialog.early_dialog_count(), 0u);

    const LegView callee = dialog.leg(Side::Callee);
    EXPECT_EQ(callee.tag, kBobTag);
    EXPECT_EQ(callee.contact, kBobContact);
    // RFC 3261 12.1.2 from Tandem: the callee side's Record-Route entries
    // of the 2xx, reversed; Tandem's own and the caller side's left out.
    EXPECT_EQ(callee.route_set, kRoutesToCallee);
    EXPECT_EQ(callee.destination.connection_id, 42u);
    EXPECT_EQ(dialog.leg(Side::Caller).route_set, kRoutesToCaller);

    // The offer went to Bob and the answer to Alice.
    EXPECT_EQ(dialog.leg(Side::Caller).sdp_received, kAliceOffer);
    EXPECT_EQ(dialog.leg(Side::Callee).sdp_sent, kAliceOffer);
    EXPECT_EQ(dialog.leg(Side::Callee).sdp_received, kBobAnswer);
    EXPECT_EQ(dialog.leg(Side::Caller).sdp_sent, kBobAnswer);

    auto ack =
        dialog.on_request(call.request(Side::Caller, "ACK", kInviteCSeq), Side::Caller, answered);
    ASSERT_TRUE(ack.ok());
    ASSERT_TRUE(ack->state_change.has_value());
    EXPECT_EQ(*ack->state_change, (StateChange{State::ConfirmedNoAck, State::Confirmed}));
    EXPECT_EQ(ack->towards, Side::Callee);
    EXPECT_FALSE(ack->cseq.needed());
}

TEST(DialogCreation, CalleeThatAddsNoRecordRouteHasAnEmptyRouteSet) {
    Call call;
    call.callee_record_route.clear();
    call.caller_record_route.clear();
    Dialog dialog = created(call);
    ASSERT_TRUE(dialog.on_reply(call.invite_reply(200, kBobTag, kBobAnswer), {}, kStart).ok());
    EXPECT_EQ(dialog.leg(Side::Callee).route_set, "");
    EXPECT_EQ(dialog.leg(Side::Caller).route_set, "");
}

TEST(DialogCreation, DoubleRecordRoutingSkipsBothOwnEntries) {
    Call call;
    // Tandem switched transports: two entries of its own in the 2xx.
    call.callee_record_route = "<sip:q1.example.net;lr>, <sip:tandem.example.org;transport=tcp;lr>";
    DialogOptions options;
    options.own_record_routes = 2;
    Dialog dialog = created(call, kAliceOffer, options);
    ASSERT_TRUE(dialog.on_reply(call.invite_reply(200, kBobTag, kBobAnswer), {}, kStart).ok());
    EXPECT_EQ(dialog.leg(Side::Callee).route_set, "<sip:q1.example.net;lr>");
}

TEST(DialogCreation, TheCalleeViewOfTheUrisComesFromThe2xx) {
    const Call call;
    Dialog dialog = created(call);
    // The script changed From on the way to Bob; the 2xx tells.
    auto ok = parse_message(
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP tandem.example.org;branch=z9hG4bKt1\r\n"
        "From: <sip:anonymous@anonymous.invalid>;tag=1928301774\r\n"
        "To: <sip:bob@example.net>;tag=a6c85cf\r\nCall-ID: a84b4c76e66710@pc33.example.com\r\n"
        "CSeq: 101 INVITE\r\nContact: <sip:bob@198.51.100.20:5070;transport=tcp>\r\n"
        "Content-Length: 0\r\n\r\n");
    ASSERT_TRUE(dialog.on_reply(ok, {}, kStart).ok());
    EXPECT_EQ(dialog.leg(Side::Callee).peer_uri, "sip:anonymous@anonymous.invalid");
    EXPECT_EQ(dialog.leg(Side::Callee).uri, kBobUri);
    EXPECT_EQ(dialog.leg(Side::Caller).uri, kAliceUri);
}

TEST(DialogForking, EarlyDialogsAreTrackedUntilThe2xxPicksTheWinner) {
    const Call call;
    Dialog dialog = created(call);
    ASSERT_TRUE(dialog
                    .on_reply(call.invite_reply(180, "branch-a", {}, "sip:bob@phone-a"),
                              {"udp:10.0.0.1:5060", 0}, kStart)
                    .ok());
    auto second = dialog.on_reply(call.invite_reply(183, "branch-b", kBobAnswer, "sip:bob@phone-b"),
                                  {"udp:10.0.0.2:5060", 0}, kStart);
    ASSERT_TRUE(second.ok());
    EXPECT_FALSE(second->state_change.has_value());  // already early
    EXPECT_EQ(dialog.early_dialog_count(), 2u);
    EXPECT_EQ(dialog.leg(Side::Callee).tag, "branch-b");  // the latest to reply

    // Both early dialogs match in-dialog requests (a PRACK to either).
    EXPECT_EQ(dialog.sender(kCallId, kAliceTag, "branch-a"), Side::Caller);
    EXPECT_EQ(dialog.sender(kCallId, "branch-b", kAliceTag), Side::Callee);

    // Branch A answers: the winner, although B replied last.
    auto ok = dialog.on_reply(call.invite_reply(200, "branch-a", kBobAnswer, "sip:bob@phone-a"),
                              {"udp:10.0.0.1:5060", 0}, kStart);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(*ok->state_change, (StateChange{State::Early, State::ConfirmedNoAck}));
    EXPECT_FALSE(ok->untracked_fork);
    EXPECT_EQ(dialog.early_dialog_count(), 0u);
    EXPECT_EQ(dialog.leg(Side::Callee).tag, "branch-a");
    EXPECT_EQ(dialog.leg(Side::Callee).contact, "sip:bob@phone-a");
    EXPECT_EQ(dialog.leg(Side::Callee).destination.address, "udp:10.0.0.1:5060");
    EXPECT_FALSE(dialog.sender(kCallId, kAliceTag, "branch-b").has_value());

    // B answers too: relayed, not tracked.
    auto late = dialog.on_reply(call.invite_reply(200, "branch-b", kBobAnswer, "sip:bob@phone-b"),
                                {"udp:10.0.0.2:5060", 0}, kStart);
    ASSERT_TRUE(late.ok());
    EXPECT_TRUE(late->untracked_fork);
    EXPECT_FALSE(late->state_change.has_value());
    EXPECT_EQ(dialog.leg(Side::Callee).tag, "branch-a");

    // A retransmission of A's 2xx is neither.
    auto again = dialog.on_reply(call.invite_reply(200, "branch-a", kBobAnswer, "sip:bob@phone-a"),
                                 {"udp:10.0.0.1:5060", 0}, kStart);
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(again->untracked_fork);
}

TEST(DialogForking, AFailedBranchForgetsItsEarlyDialog) {
    const Call call;
    Dialog dialog = created(call);
    ASSERT_TRUE(dialog.on_reply(call.invite_reply(180, "branch-a"), {}, kStart).ok());
    ASSERT_TRUE(dialog.on_reply(call.invite_reply(180, "branch-b"), {}, kStart).ok());
    dialog.branch_failed(call.invite_reply(486, "branch-b"));
    EXPECT_EQ(dialog.early_dialog_count(), 1u);
    EXPECT_EQ(dialog.leg(Side::Callee).tag, "branch-a");
    EXPECT_EQ(dialog.state(), State::Early);  // the call goes on
}

TEST(DialogForking, The2xxWithoutSdpTakesTheWinnersEarlyAnswer) {
    const Call call;
    Dialog dialog = created(call);
    ASSERT_TRUE(dialog.on_reply(call.invite_reply(183, "branch-a", kBobAnswer), {}, kStart).ok());
    ASSERT_TRUE(dialog.on_reply(call.invite_reply(183, "branch-b", "v=0\r\n"), {}, kStart).ok());
    auto ok = dialog.on_reply(call.invite_reply(200, "branch-a"), {}, kStart);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->offer_answer, OfferAnswer::Committed);
    EXPECT_EQ(dialog.leg(Side::Caller).sdp_sent, kBobAnswer);
    EXPECT_EQ(dialog.leg(Side::Callee).sdp_received, kBobAnswer);
}

TEST(DialogEnd, AFinalFailureEndsTheDialog) {
    const Call call;
    Dialog dialog = created(call);
    ASSERT_TRUE(dialog.on_reply(call.invite_reply(180, kBobTag), {}, kStart).ok());
    const TimePoint busy_at = kStart + seconds(3);
    auto busy = dialog.on_reply(call.invite_reply(486, kBobTag), {}, busy_at);
    ASSERT_TRUE(busy.ok());
    ASSERT_TRUE(busy->state_change.has_value());
    EXPECT_EQ(*busy->state_change, (StateChange{State::Early, State::Deleted}));
    EXPECT_EQ(busy->offer_answer, OfferAnswer::Discarded);
    EXPECT_EQ(dialog.state(), State::Deleted);
    EXPECT_EQ(dialog.end_reason(), EndReason::Failed);
    EXPECT_EQ(dialog.final_status(), 486);
    EXPECT_EQ(dialog.ended_at(), busy_at);
    EXPECT_EQ(dialog.linger_deadline(), busy_at + kDefaultLinger);
    EXPECT_TRUE(dialog.leg(Side::Caller).sdp_received.empty());

    // Nothing revives it.
    auto late = dialog.on_reply(call.invite_reply(200, kBobTag, kBobAnswer), {}, busy_at);
    ASSERT_TRUE(late.ok());
    EXPECT_FALSE(late->state_change.has_value());
    EXPECT_EQ(dialog.state(), State::Deleted);
}

TEST(DialogEnd, CancelledInviteEndsWithItsFinalReply) {
    const Call call;
    Dialog dialog = created(call);
    dialog.on_cancel();
    EXPECT_EQ(dialog.state(), State::Unconfirmed);  // not until the 487
    auto terminated = dialog.on_reply(call.invite_reply(487, "x"), {}, kStart);
    ASSERT_TRUE(terminated.ok());
    EXPECT_EQ(*terminated->state_change, (StateChange{State::Unconfirmed, State::Deleted}));
    EXPECT_EQ(dialog.end_reason(), EndReason::Cancelled);
    EXPECT_EQ(dialog.final_status(), 487);
}

TEST(DialogEnd, A2xxThatCrossesTheCancelStillConfirms) {
    const Call call;
    Dialog dialog = created(call);
    dialog.on_cancel();
    auto ok = dialog.on_reply(call.invite_reply(200, kBobTag, kBobAnswer), {}, kStart);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(dialog.state(), State::ConfirmedNoAck);
    // The caller ACKs and hangs up (RFC 3261 section 9.1).
    auto bye =
        dialog.on_request(call.request(Side::Caller, "BYE", kInviteCSeq + 1), Side::Caller, kStart);
    ASSERT_TRUE(bye.ok());
    EXPECT_EQ(dialog.end_reason(), EndReason::ByeByCaller);
}

TEST(DialogEnd, AnEarlyDialogEndsWithItsInviteTransaction) {
    const Call call;
    Dialog dialog = created(call);
    ASSERT_TRUE(dialog.on_reply(call.invite_reply(180, kBobTag), {}, kStart).ok());
    // The INVITE's transactions ended without a final reply reaching the
    // dialog (it was lost): nothing can confirm it any more.
    const TimePoint over_at = kStart + seconds(200);
    const auto change = dialog.invite_ended(over_at);
    ASSERT_TRUE(change.has_value());
    EXPECT_EQ(*change, (StateChange{State::Early, State::Deleted}));
    EXPECT_EQ(dialog.end_reason(), EndReason::Failed);
    EXPECT_EQ(dialog.final_status(), 408);
    EXPECT_EQ(dialog.early_dialog_count(), 0u);
    EXPECT_EQ(dialog.linger_deadline(), over_at + kDefaultLinger);
    EXPECT_FALSE(dialog.invite_ended(over_at).has_value());  // once

    Dialog cancelled = created(call);
    cancelled.on_cancel();
    ASSERT_TRUE(cancelled.invite_ended(kStart).has_value());
    EXPECT_EQ(cancelled.end_reason(), EndReason::Cancelled);
}

TEST(DialogEnd, TheEndOfTheInviteLeavesAConfirmedDialogAlone) {
    const Call call;
    Dialog dialog = created(call);
    ASSERT_TRUE(dialog.on_reply(call.invite_reply(200, kBobTag, kBobAnswer), {}, kStart).ok());
    EXPECT_FALSE(dialog.invite_ended(kStart + seconds(32)).has_value());
    EXPECT_EQ(dialog.state(), State::ConfirmedNoAck);
}

TEST(DialogEnd, ByeFromEitherSideEndsTheDialog) {
    const Call call;
    Dialog dialog = call.confirmed();
    const TimePoint hangup = kStart + seconds(60);
    auto bye = dialog.on_request(call.request(Side::Callee, "BYE", 1), Side::Callee, hangup);
    ASSERT_TRUE(bye.ok());
    EXPECT_EQ(bye->towards, Side::Caller);
    ASSERT_TRUE(bye->state_change.has_value());
    EXPECT_EQ(*bye->state_change, (StateChange{State::Confirmed, State::Deleted}));
    EXPECT_EQ(dialog.end_reason(), EndReason::ByeByCallee);
    EXPECT_EQ(dialog.ended_at(), hangup);
    EXPECT_EQ(dialog.linger_deadline(), hangup + seconds(32));

    // While it lingers, a BYE retransmission still matches and is routed.
    EXPECT_EQ(dialog.sender(kCallId, kBobTag, kAliceTag), Side::Callee);
    auto again = dialog.on_request(call.request(Side::Callee, "BYE", 1), Side::Callee, hangup);
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(again->state_change.has_value());
    EXPECT_EQ(again->towards, Side::Caller);

    Dialog second = call.confirmed();
    auto caller_bye =
        second.on_request(call.request(Side::Caller, "BYE", kInviteCSeq + 1), Side::Caller, hangup);
    ASSERT_TRUE(caller_bye.ok());
    EXPECT_EQ(second.end_reason(), EndReason::ByeByCaller);
}

TEST(DialogEvents, StateChangedEventCarriesOpenSipsNumbers) {
    const Call call;
    Dialog dialog = created(call);
    auto ringing = dialog.on_reply(call.invite_reply(180, kBobTag), {}, kStart);
    ASSERT_TRUE(ringing.ok() && ringing->state_change);
    const StateChangedEvent event = make_state_changed_event(dialog, *ringing->state_change);
    EXPECT_EQ(event.id, "1000000000007");
    EXPECT_EQ(event.db_id, 0x0001000000000007u);
    EXPECT_EQ(event.callid, kCallId);
    EXPECT_EQ(event.from_tag, kAliceTag);
    EXPECT_EQ(event.to_tag, kBobTag);
    EXPECT_EQ(event.old_state, 1);
    EXPECT_EQ(event.new_state, 2);

    auto ok = dialog.on_reply(call.invite_reply(200, kBobTag), {}, kStart);
    ASSERT_TRUE(ok.ok() && ok->state_change);
    EXPECT_EQ(make_state_changed_event(dialog, *ok->state_change).new_state, 3);
    auto ack =
        dialog.on_request(call.request(Side::Caller, "ACK", kInviteCSeq), Side::Caller, kStart);
    ASSERT_TRUE(ack.ok() && ack->state_change);
    EXPECT_EQ(make_state_changed_event(dialog, *ack->state_change).new_state, 4);
    auto bye =
        dialog.on_request(call.request(Side::Caller, "BYE", kInviteCSeq + 1), Side::Caller, kStart);
    ASSERT_TRUE(bye.ok() && bye->state_change);
    const StateChangedEvent ended = make_state_changed_event(dialog, *bye->state_change);
    EXPECT_EQ(ended.old_state, 4);
    EXPECT_EQ(ended.new_state, 5);
}

TEST(DialogEvents, NamesAndIds) {
    EXPECT_EQ(state_name(State::ConfirmedNoAck), "confirmed_na");
    EXPECT_EQ(state_name(State::Deleted), "deleted");
    EXPECT_EQ(state_number(State::Confirmed), 4);
    EXPECT_EQ(end_reason_name(EndReason::Timeout), "timeout");
    EXPECT_EQ(side_name(Side::Callee), "callee");
    EXPECT_EQ(side_from_name("caller"), Side::Caller);
    EXPECT_FALSE(side_from_name("both").has_value());
    EXPECT_EQ(dialog_id_text(0xabcdef), "abcdef");
    EXPECT_EQ(parse_dialog_id("abcdef"), 0xabcdefu);
    EXPECT_EQ(parse_dialog_id("ABCDEF"), 0xabcdefu);
    EXPECT_FALSE(parse_dialog_id("xyz").has_value());
    EXPECT_FALSE(parse_dialog_id("").has_value());
    EXPECT_FALSE(parse_dialog_id("12345678901234567").has_value());
    EXPECT_EQ(shard_of(0x0003000000000001), 3);
    EXPECT_EQ(cseq_value(12, "INVITE"), "12 INVITE");
}

}  // namespace
}  // namespace tandem::dialog
