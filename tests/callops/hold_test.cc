// call_hold / call_unhold driven through a proxy: the re-INVITEs each leg
// gets (posing as the other party, SDP directions and o= versions), the
// dialog variables, E_CALL_HOLD, rollback when one leg refuses, 491
// retries, timeouts, and the CSeq numbering the phones see afterwards.
#include <gtest/gtest.h>

#include "callops_test_support.h"
#include "sdp/parse.h"

namespace tandem::callops::testing {
namespace {

using dialog::Side;

struct Offer {
    transport::Endpoint to;
    std::string bytes;
    sdp::Direction direction = sdp::Direction::kSendRecv;
    std::uint64_t version = 0;
    std::uint32_t cseq = 0;
};

Offer read_offer(const transport::RecordingTransport::Sent& sent) {
    Offer offer;
    offer.to = sent.destination;
    offer.bytes = sent.bytes;
    const sip::Message message = parse(sent.bytes);
    EXPECT_EQ(message.method(), sip::Method::Invite) << first_line(sent.bytes);
    offer.cseq = message.cseq() ? message.cseq()->number : 0;
    auto session = sdp::parse(message.body());
    EXPECT_TRUE(session.ok()) << message.body();
    if (session.ok() && !session->media.empty()) {
        offer.direction = session->media[0].direction().value_or(sdp::Direction::kSendRecv);
        offer.version = session->origin.session_version;
    }
    return offer;
}

class HoldTest : public CallOpsTest {
  protected:
    // The one re-INVITE sent since the last take(); ACKs Tandem sent for
    // 2xx are skipped.
    Offer next_offer() {
        std::vector<Offer> found;
        for (const auto& sent : take()) {
            if (parse(sent.bytes).method() == sip::Method::Ack) continue;
            found.push_back(read_offer(sent));
        }
        EXPECT_EQ(found.size(), 1u);
        return found.empty() ? Offer{} : found.front();
    }

    bool nothing_sent_but_acks() {
        for (const auto& sent : take()) {
            if (parse(sent.bytes).method() != sip::Method::Ack) return false;
        }
        return true;
    }

    // `offer`'s leg answers with `status` (its own SDP for a 2xx).
    void answer(const Offer& offer, int status) {
        const bool caller = offer.to == kCaller;
        receive(response_to(offer.bytes, status, "",
                            caller ? "<sip:alice@127.0.0.1:5080>" : "<sip:bob@127.0.0.1:5070>",
                            status < 300 ? (caller ? kCallerSdp : kCalleeSdp) : ""),
                offer.to);
    }

    // Both legs accept `first` then the re-INVITE that follows it.
    std::pair<Offer, Offer> both_accept() {
        const Offer first = next_offer();
        answer(first, 200);
        const Offer second = next_offer();
        answer(second, 200);
        EXPECT_TRUE(nothing_sent_but_acks());
        return {first, second};
    }

    std::string variable(std::string_view name) {
        return std::string(call()->variables().get(name).value_or("-"));
    }
};

TEST_F(HoldTest, HoldBothOffersInactiveToEachLegAsTheOtherParty) {
    establish();
    ASSERT_TRUE(callops->hold(call_id(), Legs::Both).ok());
    // The caller first; the callee once the caller accepted.
    const Offer to_caller = next_offer();
    EXPECT_EQ(to_caller.to, kCaller);
    EXPECT_EQ(to_caller.direction, sdp::Direction::kInactive);
    // Each leg gets the SDP it was last sent, one version up.
    EXPECT_EQ(to_caller.version, 21u);
    EXPECT_NE(to_caller.bytes.find("m=audio 5000"), std::string::npos);
    const sip::Message parsed = parse(to_caller.bytes);
    EXPECT_EQ(parsed.from()->tag, "callee-tag");
    EXPECT_EQ(parsed.to()->tag, "caller-tag");
    EXPECT_EQ(first_line(to_caller.bytes), "INVITE sip:alice@127.0.0.1:5080 SIP/2.0");
    EXPECT_EQ(hold_trace(), (std::vector<std::string>{"caller:hold:start"}));
    EXPECT_EQ(variable("call_hold_caller"), "-");  // written on 2xx only

    answer(to_caller, 200);
    const auto sent = take();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(parse(sent[0].bytes).method(), sip::Method::Ack);  // Tandem ACKs its 2xx
    const Offer to_callee = read_offer(sent[1]);
    EXPECT_EQ(to_callee.to, kCallee);
    EXPECT_EQ(to_callee.direction, sdp::Direction::kInactive);
    EXPECT_EQ(to_callee.version, 11u);
    EXPECT_NE(to_callee.bytes.find("m=audio 4000"), std::string::npos);
    answer(to_callee, 200);
    EXPECT_TRUE(nothing_sent_but_acks());
    EXPECT_EQ(hold_trace(), (std::vector<std::string>{"caller:hold:start", "caller:hold:ok",
                                                      "callee:hold:start", "callee:hold:ok"}));
    EXPECT_EQ(variable("call_hold_caller"), "3");
    EXPECT_EQ(variable("call_hold_callee"), "3");

    // Holding again: every leg is held already.
    EXPECT_EQ(callops->hold(call_id(), Legs::Both).error().status, 480);
    EXPECT_EQ(callops->hold(call_id(), Legs::Callee).error().status, 480);

    raised.clear();
    ASSERT_TRUE(callops->unhold(call_id(), Legs::Both).ok());
    const auto [back_caller, back_callee] = both_accept();
    // The SDP from before the hold, newer than the hold offer.
    EXPECT_EQ(back_caller.direction, sdp::Direction::kSendRecv);
    EXPECT_EQ(back_caller.version, 22u);
    EXPECT_EQ(back_callee.version, 12u);
    EXPECT_NE(back_callee.bytes.find("a=sendrecv"), std::string::npos);
    EXPECT_EQ(back_caller.bytes.find("a=sendrecv"), std::string::npos);  // the callee's had none
    EXPECT_EQ(hold_trace(), (std::vector<std::string>{"caller:unhold:start", "caller:unhold:ok",
                                                      "callee:unhold:start", "callee:unhold:ok"}));
    EXPECT_EQ(variable("call_hold_caller"), "0");
    EXPECT_EQ(callops->unhold(call_id(), Legs::Both).error().status, 480);
    EXPECT_EQ(callops->tracked_calls(), 0u);
}

TEST_F(HoldTest, HoldingOneLegLetsTheOtherSend) {
    establish();
    ASSERT_TRUE(callops->hold(call_id(), Legs::Caller).ok());
    auto [caller, callee] = both_accept();
    EXPECT_EQ(caller.direction, sdp::Direction::kSendOnly);
    EXPECT_EQ(callee.direction, sdp::Direction::kRecvOnly);
    EXPECT_EQ(variable("call_hold_caller"), "1");
    EXPECT_EQ(variable("call_hold_callee"), "2");

    // Holds accumulate: the callee too, and both streams stop.
    ASSERT_TRUE(callops->hold(call_id(), Legs::Callee).ok());
    std::tie(caller, callee) = both_accept();
    EXPECT_EQ(caller.direction, sdp::Direction::kInactive);
    EXPECT_EQ(callee.direction, sdp::Direction::kInactive);
    EXPECT_EQ(caller.version, 22u);
    EXPECT_EQ(callee.version, 12u);

    // Resuming the caller leaves the callee's hold: reduced, not original.
    ASSERT_TRUE(callops->unhold(call_id(), Legs::Caller).ok());
    std::tie(caller, callee) = both_accept();
    EXPECT_EQ(caller.direction, sdp::Direction::kRecvOnly);
    EXPECT_EQ(callee.direction, sdp::Direction::kSendOnly);
    EXPECT_EQ(caller.version, 23u);
    EXPECT_EQ(variable("call_hold_caller"), "2");
    EXPECT_EQ(variable("call_hold_callee"), "1");
}

TEST_F(HoldTest, SecondLegRefusingResumesTheFirst) {
    establish();
    ASSERT_TRUE(callops->hold(call_id(), Legs::Both).ok());
    answer(next_offer(), 200);
    const Offer to_callee = next_offer();
    answer(to_callee, 488);
    // The caller, who accepted, gets its previous SDP back.
    const Offer back = next_offer();
    EXPECT_EQ(back.to, kCaller);
    EXPECT_EQ(back.direction, sdp::Direction::kSendRecv);
    EXPECT_EQ(back.version, 22u);
    answer(back, 200);
    EXPECT_TRUE(nothing_sent_but_acks());
    EXPECT_EQ(hold_trace(), (std::vector<std::string>{"caller:hold:start", "caller:hold:ok",
                                                      "callee:hold:start", "callee:hold:fail",
                                                      "caller:unhold:start", "caller:unhold:ok"}));
    EXPECT_EQ(variable("call_hold_caller"), "0");
    EXPECT_EQ(variable("call_hold_callee"), "-");
    // Nothing is on hold now.
    EXPECT_EQ(callops->unhold(call_id(), Legs::Both).error().status, 480);
    EXPECT_EQ(callops->tracked_calls(), 0u);
}

TEST_F(HoldTest, FirstLegRefusingStopsTheHold) {
    establish();
    ASSERT_TRUE(callops->hold(call_id(), Legs::Both).ok());
    answer(next_offer(), 488);
    EXPECT_TRUE(nothing_sent_but_acks());
    EXPECT_EQ(hold_trace(), (std::vector<std::string>{"caller:hold:start", "caller:hold:fail"}));
    EXPECT_EQ(callops->tracked_calls(), 0u);
}

TEST_F(HoldTest, GlareIsRetriedAfterTheRfcDelay) {
    establish();
    ASSERT_TRUE(callops->hold(call_id(), Legs::Callee).ok());
    answer(next_offer(), 200);
    const Offer first = next_offer();
    answer(first, 491);
    EXPECT_TRUE(nothing_sent_but_acks());
    advance(std::chrono::milliseconds(2000));
    EXPECT_TRUE(take().empty());
    advance(std::chrono::milliseconds(2100));
    const Offer retry = next_offer();
    EXPECT_EQ(retry.to, kCallee);
    EXPECT_EQ(retry.direction, sdp::Direction::kSendOnly);
    EXPECT_EQ(retry.version, 11u);  // the refused offer changed nothing
    EXPECT_GT(retry.cseq, first.cseq);
    answer(retry, 200);
    EXPECT_TRUE(nothing_sent_but_acks());
    EXPECT_EQ(hold_trace(), (std::vector<std::string>{"caller:hold:start", "caller:hold:ok",
                                                      "callee:hold:start", "callee:hold:ok"}));
}

TEST_F(HoldTest, GlareWithTheCallerIsRetriedWithinTwoSeconds) {
    // Towards the caller Tandem speaks as the callee, who does not own the
    // Call-ID: 0 to 2 s (RFC 3261 section 14.1), so the caller's own retry
    // (2.1 to 4 s) comes after ours.
    establish();
    ASSERT_TRUE(callops->hold(call_id(), Legs::Caller).ok());
    const Offer first = next_offer();
    EXPECT_EQ(first.to, kCaller);
    answer(first, 491);
    EXPECT_TRUE(nothing_sent_but_acks());
    advance(std::chrono::milliseconds(2001));
    const Offer retry = next_offer();
    EXPECT_EQ(retry.to, kCaller);
    EXPECT_GT(retry.cseq, first.cseq);
    answer(retry, 200);
    // Then the callee, offered recvonly.
    const Offer callee = next_offer();
    EXPECT_EQ(callee.to, kCallee);
    EXPECT_EQ(callee.direction, sdp::Direction::kRecvOnly);
    answer(callee, 200);
    EXPECT_TRUE(nothing_sent_but_acks());
    EXPECT_EQ(hold_trace(), (std::vector<std::string>{"caller:hold:start", "caller:hold:ok",
                                                      "callee:hold:start", "callee:hold:ok"}));
}

TEST_F(HoldTest, GlareTooOftenFails) {
    establish();
    ASSERT_TRUE(callops->hold(call_id(), Legs::Caller).ok());
    answer(next_offer(), 491);
    for (int round = 0; round < 2; ++round) {
        take();
        advance(std::chrono::seconds(5));
        answer(next_offer(), 491);
    }
    take();
    advance(std::chrono::seconds(5));
    EXPECT_TRUE(take().empty());
    EXPECT_EQ(hold_trace(), (std::vector<std::string>{"caller:hold:start", "caller:hold:fail"}));
}

TEST_F(HoldTest, NoFinalReplyFailsTheHold) {
    establish();
    ASSERT_TRUE(callops->hold(call_id(), Legs::Callee).ok());
    answer(next_offer(), 200);
    // The callee rings back forever.
    const Offer to_callee = next_offer();
    receive(response_to(to_callee.bytes, 180, ""), kCallee);
    take();
    advance(std::chrono::seconds(33));
    // Tandem cancels its re-INVITE; the 487 fails the callee's hold.
    const auto cancel = take_one();
    EXPECT_EQ(parse(cancel.bytes).method(), sip::Method::Cancel);
    receive(response_to(cancel.bytes, 200, ""), kCallee);
    receive(response_to(to_callee.bytes, 487, ""), kCallee);
    // The caller is resumed.
    const Offer back = next_offer();
    EXPECT_EQ(back.to, kCaller);
    EXPECT_EQ(back.direction, sdp::Direction::kSendRecv);
    EXPECT_EQ(hold_trace(),
              (std::vector<std::string>{"caller:hold:start", "caller:hold:ok", "callee:hold:start",
                                        "callee:hold:fail", "caller:unhold:start"}));
}

TEST_F(HoldTest, RefusedForUnknownOrUnansweredCalls) {
    start_callops();
    EXPECT_EQ(callops->hold(12345, Legs::Both).error().status, 404);
    Request invite;
    invite.body = kCallerSdp;
    relay(invite);
    EXPECT_EQ(callops->hold(call_id(), Legs::Both).error().status, 410);
    EXPECT_TRUE(raised.empty());
}

TEST_F(HoldTest, OneOperationAtATime) {
    establish();
    ASSERT_TRUE(callops->hold(call_id(), Legs::Caller).ok());
    EXPECT_EQ(callops->hold(call_id(), Legs::Caller).error().status, 480);
    EXPECT_EQ(callops->hold(call_id(), Legs::Callee).error().status, 491);
    EXPECT_EQ(callops->unhold(call_id(), Legs::Caller).error().status, 491);
    answer(next_offer(), 200);
    answer(next_offer(), 200);
    ASSERT_TRUE(callops->unhold(call_id(), Legs::Caller).ok());
    EXPECT_EQ(callops->unhold(call_id(), Legs::Caller).error().status, 480);
    EXPECT_EQ(callops->hold(call_id(), Legs::Caller).error().status, 491);
}

TEST_F(HoldTest, SecondLegThatCannotBeSentStartsThenFails) {
    // The callee received an offer Tandem cannot turn into a hold offer, so
    // its re-INVITE never goes out once the caller has accepted.
    start_callops();
    Request invite;
    invite.body = "v=0\r\nnot an SDP\r\n";
    const auto relayed = relay(invite);
    receive(response_to(relayed.bytes, 200, "callee-tag", "<sip:bob@127.0.0.1:5070>", kCalleeSdp),
            kCallee);
    take();
    relay(in_dialog("ACK", 1));
    raised.clear();

    ASSERT_TRUE(callops->hold(call_id(), Legs::Both).ok());
    const Offer to_caller = next_offer();
    EXPECT_EQ(to_caller.to, kCaller);
    answer(to_caller, 200);
    // The caller is put back as it was.
    const Offer back = next_offer();
    EXPECT_EQ(back.to, kCaller);
    EXPECT_EQ(back.direction, sdp::Direction::kSendRecv);
    answer(back, 200);
    EXPECT_TRUE(nothing_sent_but_acks());
    EXPECT_EQ(hold_trace(), (std::vector<std::string>{"caller:hold:start", "caller:hold:ok",
                                                      "callee:hold:start", "callee:hold:fail",
                                                      "caller:unhold:start", "caller:unhold:ok"}));
}

TEST_F(HoldTest, PhonesKeepConsistentCSeqsAfterwards) {
    establish();
    ASSERT_TRUE(callops->hold(call_id(), Legs::Callee).ok());
    const auto [caller, callee] = both_accept();
    EXPECT_EQ(caller.cseq, 1u);  // the caller has received nothing numbered before
    EXPECT_EQ(callee.cseq, 2u);  // after the INVITE's 1

    // The caller's own re-INVITE (CSeq 2) reaches the callee as 3, and its
    // 200 comes back to the caller as 2.
    Request reinvite = in_dialog("INVITE", 2);
    reinvite.body = kCallerSdp;
    const auto relayed = relay(reinvite);
    EXPECT_EQ(parse(relayed.bytes).cseq()->number, 3u);
    receive(response_to(relayed.bytes, 200, "", "<sip:bob@127.0.0.1:5070>", kCalleeSdp), kCallee);
    const auto answered = take_one();
    EXPECT_EQ(answered.destination, kCaller);
    EXPECT_EQ(parse(answered.bytes).cseq()->number, 2u);
    relay(in_dialog("ACK", 2));

    // And the BYE.
    const auto bye = relay(in_dialog("BYE", 3));
    EXPECT_EQ(parse(bye.bytes).cseq()->number, 4u);
    receive(response_to(bye.bytes, 200, ""), kCallee);
    EXPECT_EQ(parse(take_one().bytes).cseq()->number, 3u);
}

TEST_F(HoldTest, EndingTheCallFailsWhatIsPendingAndForgetsTheCall) {
    establish();
    ASSERT_TRUE(callops->hold(call_id(), Legs::Both).ok());
    next_offer();
    relay(in_dialog("BYE", 2));
    EXPECT_EQ(hold_trace(), (std::vector<std::string>{"caller:hold:start", "caller:hold:fail"}));
    EXPECT_EQ(callops->tracked_calls(), 0u);
}

TEST_F(HoldTest, ExtraHeadersGoIntoTheReInvites) {
    establish();
    ASSERT_TRUE(callops->hold(call_id(), Legs::Caller, LegHeaders::both("X-Hold: yes\r\n")).ok());
    EXPECT_EQ(parse(take_one().bytes).header("X-Hold"), "yes");
}

TEST_F(HoldTest, EachLegGetsItsOwnHeaders) {
    establish();
    ASSERT_TRUE(
        callops->hold(call_id(), Legs::Both, LegHeaders{"X-To: caller\r\n", "X-To: callee\r\n"})
            .ok());
    const Offer to_caller = next_offer();
    EXPECT_EQ(to_caller.to, kCaller);
    EXPECT_EQ(parse(to_caller.bytes).header("X-To"), "caller");
    answer(to_caller, 200);
    const Offer to_callee = next_offer();
    EXPECT_EQ(to_callee.to, kCallee);
    EXPECT_EQ(parse(to_callee.bytes).header("X-To"), "callee");
}

}  // namespace
}  // namespace tandem::callops::testing
