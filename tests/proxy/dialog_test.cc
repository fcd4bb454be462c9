// Dialogs of relayed calls: creation, state changes, Tandem's own requests
// (dlg_send_sequential), the CSeq rewriting that keeps both legs
// consistent afterwards, and max_duration.
#include <gtest/gtest.h>

#include "proxy_test_support.h"

namespace tandem::proxy::testing {
namespace {

const std::string kDialogScript = R"(
function request_route(msg)
  if has_totag() then
    if msg.method == "INFO" then
      dlg_send_sequential("OPTIONS", "callee")
    end
    if msg.method == "MESSAGE" then
      cache_store("local", "hold", tostring(is_audio_on_hold()))
      dlg_send_sequential("INVITE", "callee", msg.body, "application/sdp")
    end
    if loose_route() then t_relay() end
    return
  end
  create_dialog()
  record_route()
  t_relay()
end
)";

class DialogTest : public ProxyTest {
  protected:
    // INVITE, 200 and ACK through the proxy.
    void establish(const std::string& script = kDialogScript, ProxyOptions options = {}) {
        start(script, options);
        Request invite;
        invite.body = kSdp;
        const auto relayed = relay(invite);
        receive(response_to(relayed.bytes, 180, "callee-tag"), kCallee);
        EXPECT_EQ(take().size(), 1u);
        receive(response_to(relayed.bytes, 200, "callee-tag", "<sip:bob@127.0.0.1:5070>", kSdp),
                kCallee);
        EXPECT_EQ(take().size(), 1u);
        relay(in_dialog("ACK", 1));
    }

    dialog::Dialog* the_dialog() { return proxy->dialogs().find_by_call_id("call-1@127.0.0.1"); }
};

TEST_F(DialogTest, CreatedByInviteAndConfirmedByAck) {
    establish();
    dialog::Dialog* dialog = the_dialog();
    ASSERT_NE(dialog, nullptr);
    EXPECT_EQ(dialog->state(), dialog::State::Confirmed);
    EXPECT_EQ(dialog->leg(dialog::Side::Caller).tag, "caller-tag");
    EXPECT_EQ(dialog->leg(dialog::Side::Callee).tag, "callee-tag");
    // unconfirmed -> early -> confirmed_na -> confirmed
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0].new_state, 2);
    EXPECT_EQ(events[1].new_state, 3);
    EXPECT_EQ(events[2].new_state, 4);
    EXPECT_EQ(events[2].callid, "call-1@127.0.0.1");
}

TEST_F(DialogTest, ByeEndsTheDialogAndItIsErasedLater) {
    establish();
    const auto bye = relay(in_dialog("BYE", 2));
    EXPECT_EQ(the_dialog()->state(), dialog::State::Deleted);
    EXPECT_EQ(events.back().new_state, 5);
    receive(response_to(bye.bytes, 200, "callee-tag"), kCallee);
    EXPECT_EQ(take().size(), 1u);
    advance(std::chrono::seconds{40});
    EXPECT_EQ(the_dialog(), nullptr);
}

TEST_F(DialogTest, FailedCallEndsTheDialog) {
    start(kDialogScript);
    const auto relayed = relay(Request{});
    receive(response_to(relayed.bytes, 486, "busy"), kCallee);
    take();
    ASSERT_NE(the_dialog(), nullptr);
    EXPECT_EQ(the_dialog()->end_reason(), dialog::EndReason::Failed);
}

TEST_F(DialogTest, SequentialRequestShiftsLaterCSeqsTowardsThatLeg) {
    establish();
    // The caller's INFO (CSeq 2) makes the route send OPTIONS to the callee
    // first, as the caller: CSeq 2 in the callee's numbering.
    receive(in_dialog("INFO", 2).text(), kCaller);
    const auto sent = take();
    ASSERT_EQ(sent.size(), 2u);
    const sip::Message options = parse(sent[0].bytes);
    EXPECT_EQ(options.method(), sip::Method::Options);
    EXPECT_EQ(sent[0].destination, kCallee);
    EXPECT_EQ(options.cseq()->number, 2u);
    EXPECT_EQ(options.from()->tag, "caller-tag");
    EXPECT_EQ(options.to()->tag, "callee-tag");
    EXPECT_EQ(options.vias()->size(), 1u);

    // The INFO follows with its CSeq moved up by one.
    const sip::Message info = parse(sent[1].bytes);
    EXPECT_EQ(info.method(), sip::Method::Info);
    EXPECT_EQ(info.cseq()->number, 3u);

    // The callee answers both; the INFO's answer goes back to the caller
    // with the caller's own CSeq, the OPTIONS' answer stays here.
    receive(response_to(sent[0].bytes, 200, "callee-tag"), kCallee);
    EXPECT_TRUE(take().empty());
    receive(response_to(sent[1].bytes, 200, "callee-tag"), kCallee);
    const auto answer = take_one();
    EXPECT_EQ(answer.destination, kCaller);
    EXPECT_EQ(parse(answer.bytes).cseq()->number, 2u);

    // Later requests keep the offset; requests towards the caller do not.
    const auto bye = relay(in_dialog("BYE", 3));
    EXPECT_EQ(parse(bye.bytes).cseq()->number, 4u);
    receive(response_to(bye.bytes, 200, "callee-tag"), kCallee);
    EXPECT_EQ(parse(take_one().bytes).cseq()->number, 3u);
}

TEST_F(DialogTest, OwnReInviteIsAcked) {
    establish();
    Request message = in_dialog("MESSAGE", 2);
    message.body = kHoldSdp;
    receive(message.text(), kCaller);
    const auto sent = take();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(cache.fetch("hold"), "true");
    const sip::Message reinvite = parse(sent[0].bytes);
    ASSERT_EQ(reinvite.method(), sip::Method::Invite);
    EXPECT_EQ(reinvite.cseq()->number, 2u);
    EXPECT_EQ(reinvite.body(), kHoldSdp);
    EXPECT_EQ(first_line(sent[0].bytes), "INVITE sip:bob@127.0.0.1:5070 SIP/2.0");

    receive(response_to(sent[0].bytes, 200, "callee-tag", "<sip:bob@127.0.0.1:5070>", kSdp),
            kCallee);
    const auto ack = take_one();
    EXPECT_EQ(ack.destination, kCallee);
    const sip::Message parsed = parse(ack.bytes);
    EXPECT_EQ(parsed.method(), sip::Method::Ack);
    EXPECT_EQ(parsed.cseq()->number, 2u);

    // A retransmitted 2xx gets the same ACK again.
    receive(response_to(sent[0].bytes, 200, "callee-tag", "<sip:bob@127.0.0.1:5070>", kSdp),
            kCallee);
    EXPECT_EQ(take_one().bytes, ack.bytes);
}

TEST_F(DialogTest, MaxDurationSendsByeToBothLegs) {
    establish(R"(
function request_route(msg)
  if has_totag() then
    if loose_route() then t_relay() end
    return
  end
  create_dialog(30)
  record_route()
  t_relay()
end
)");
    advance(std::chrono::seconds{29});
    EXPECT_TRUE(take().empty());
    advance(std::chrono::seconds{2});
    const auto sent = take();
    ASSERT_EQ(sent.size(), 2u);
    std::vector<transport::Endpoint> destinations;
    for (const auto& message : sent) {
        EXPECT_EQ(parse(message.bytes).method(), sip::Method::Bye);
        destinations.push_back(message.destination);
    }
    EXPECT_NE(std::find(destinations.begin(), destinations.end(), kCaller), destinations.end());
    EXPECT_NE(std::find(destinations.begin(), destinations.end(), kCallee), destinations.end());
    EXPECT_EQ(the_dialog()->end_reason(), dialog::EndReason::Timeout);
}

TEST_F(DialogTest, MaxDurationFromModparam) {
    ProxyOptions options;
    options.max_duration = std::chrono::seconds{5};
    establish(kDialogScript, options);
    advance(std::chrono::seconds{6});
    EXPECT_EQ(take().size(), 2u);
}

TEST_F(DialogTest, EndDialogFromManagement) {
    establish();
    const dialog::DialogId id = the_dialog()->id();
    ASSERT_TRUE(proxy->end_dialog(id, "Reason: Q.850;cause=16\r\n").ok());
    const auto sent = take();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(parse(sent[0].bytes).header(sip::HeaderId::Reason), "Q.850;cause=16");
    EXPECT_FALSE(proxy->end_dialog(12345, {}).ok());
}

TEST_F(DialogTest, SequentialRequestOutsideADialogIsFalse) {
    start(R"(
function request_route(msg)
  if dlg_send_sequential("OPTIONS", "callee") then xlog("unexpected") end
  send_reply(200, "Checked")
end
)");
    receive(Request{}.text(), kCaller);
    EXPECT_EQ(first_line(take_one().bytes), "SIP/2.0 200 Checked");
}

}  // namespace
}  // namespace tandem::proxy::testing
