// Transfers driven through a proxy: the REFER Tandem sends (Refer-To,
// Referred-By, posing as the other party), the NOTIFYs it answers itself,
// the new call tied back to the transferred one in each mode, attended
// transfers with Replaces, the script functions, and every way a transfer
// fails: rejected REFER, failing sipfrag, no NOTIFY, a second transfer.
#include <gtest/gtest.h>

#include "callops_test_support.h"
#include "dialog/events.h"

namespace tandem::callops::testing {
namespace {

using dialog::Side;

const char* const kCarol = "sip:carol@127.0.0.1:5072";

// A NOTIFY of the REFER subscription, from the caller.
Request notify(std::uint32_t cseq, std::string_view sipfrag, bool terminated = false) {
    Request request = in_dialog("NOTIFY", cseq);
    request.extra += "Event: refer\r\n";
    request.extra += terminated ? "Subscription-State: terminated;reason=noresource\r\n"
                                : "Subscription-State: active;expires=60\r\n";
    request.body = std::string(sipfrag);
    request.content_type = "message/sipfrag";
    return request;
}

// The caller's INVITE of the new call, to `uri`.
Request new_call(std::string uri, std::string extra = {}) {
    Request request;
    request.uri = std::move(uri);
    request.call_id = "call-2@127.0.0.1";
    request.from_tag = "new-tag";
    request.branch = "z9hG4bK-new-call";
    request.extra = std::move(extra);
    request.body = kCallerSdp;
    return request;
}

class TransferTest : public CallOpsTest {
  protected:
    // The REFER sent since the last take().
    sip::Message refer() {
        const auto sent = take_one();
        refer_text = sent.bytes;
        refer_to = sent.destination;
        return parse(sent.bytes);
    }

    void answer_refer(int status) {
        take();  // retransmissions of the REFER
        receive(response_to(refer_text, status, ""), refer_to);
        EXPECT_TRUE(take().empty());
    }

    // The transferee at `from` calls carol with the old call's ;osid, and
    // carol answers 200; what Tandem relays of it is taken.
    void new_call_answered(const std::string& old_call, transport::Endpoint from) {
        receive(new_call(std::string(kCarol) + ";osid=" + old_call).text(), from);
        const auto invite = take_one();
        receive(
            response_to(invite.bytes, 200, "carol-tag", "<sip:carol@127.0.0.1:5072>", kCalleeSdp),
            kTarget);
        take();
    }

    // Sends `request` from the caller; returns the status Tandem answered
    // it with (0 when it relayed it instead).
    int answered(const Request& request) {
        receive(request.text(), kCaller);
        const auto sent = take_one();
        const sip::Message message = parse(sent.bytes);
        if (message.is_request()) return 0;
        EXPECT_EQ(sent.destination, kCaller);
        return message.status_code();
    }

    std::string refer_text;
    transport::Endpoint refer_to;
};

Settings with_mode(Mode mode) {
    Settings settings;
    settings.mode = mode;
    settings.notify_timeout = std::chrono::seconds(3);
    return settings;
}

TEST_F(TransferTest, BlindTransferInParamMode) {
    establish(with_mode(Mode::Param));
    const std::string id = dialog::dialog_id_text(call_id());
    ASSERT_TRUE(callops->transfer(call_id(), Side::Caller, kCarol).ok());

    // The REFER goes to the caller, from the callee's side of the dialog.
    const sip::Message sent = refer();
    EXPECT_EQ(refer_to, kCaller);
    EXPECT_EQ(sent.method(), sip::Method::Refer);
    EXPECT_EQ(first_line(refer_text), "REFER sip:alice@127.0.0.1:5080 SIP/2.0");
    EXPECT_EQ(sent.header(sip::HeaderId::ReferTo), "<sip:carol@127.0.0.1:5072;osid=" + id + ">");
    EXPECT_EQ(sent.header(sip::HeaderId::ReferredBy), "<sip:bob@127.0.0.1:5070>");
    EXPECT_EQ(sent.from()->tag, "callee-tag");
    EXPECT_EQ(sent.to()->tag, "caller-tag");
    EXPECT_EQ(sent.cseq()->number, 1u);
    EXPECT_EQ(call()->variables().get("call_transfer_leg"), "caller");
    ASSERT_EQ(raised.size(), 1u);
    EXPECT_EQ(raised[0].name, kTransferEvent);
    EXPECT_EQ(param(raised[0], "callid"), "call-1@127.0.0.1");
    EXPECT_EQ(param(raised[0], "leg"), "caller");
    EXPECT_EQ(param(raised[0], "destination"), kCarol);
    EXPECT_EQ(param(raised[0], "state"), "start");
    EXPECT_EQ(param(raised[0], "status"), "");
    answer_refer(202);

    // NOTIFYs are answered here and never reach the callee.
    EXPECT_EQ(answered(notify(2, "SIP/2.0 100 Trying\r\n")), 200);

    // The new call: linked, and relayed without the parameter.
    receive(new_call(std::string(kCarol) + ";osid=" + id).text(), kCaller);
    const auto invite = take_one();
    EXPECT_EQ(invite.destination, kTarget);
    EXPECT_EQ(first_line(invite.bytes), "INVITE sip:carol@127.0.0.1:5072 SIP/2.0");
    receive(response_to(invite.bytes, 180, "carol-tag"), kTarget);
    take();
    EXPECT_EQ(answered(notify(3, "SIP/2.0 180 Ringing\r\n")), 200);
    // Every event after the new call was seen carries its Call-ID.
    EXPECT_EQ(param(raised.back(), "transfer_callid"), "call-2@127.0.0.1");
    receive(response_to(invite.bytes, 200, "carol-tag", "<sip:carol@127.0.0.1:5072>", kCalleeSdp),
            kTarget);
    EXPECT_EQ(take_one().destination, kCaller);
    EXPECT_EQ(param(raised.back(), "transfer_callid"), "call-2@127.0.0.1");
    // The transferee's report is awaited before the old call ends.
    advance(std::chrono::milliseconds(500));
    EXPECT_TRUE(take().empty());
    EXPECT_EQ(answered(notify(4, "SIP/2.0 200 OK\r\n", true)), 200);
    EXPECT_FALSE(call()->variables().get("call_transfer_leg"));

    // Tandem, the transferor, ends the old call: a BYE to each leg.
    advance(std::chrono::milliseconds(0));
    const auto byes = take();
    ASSERT_EQ(byes.size(), 2u);
    std::vector<transport::Endpoint> bye_to;
    for (const auto& bye : byes) {
        const sip::Message message = parse(bye.bytes);
        EXPECT_EQ(message.method(), sip::Method::Bye);
        EXPECT_EQ(message.call_id(), "call-1@127.0.0.1");
        bye_to.push_back(bye.destination);
        receive(response_to(bye.bytes, 200, ""), bye.destination);
    }
    EXPECT_EQ(bye_to, (std::vector<transport::Endpoint>{kCaller, kCallee}));
    EXPECT_TRUE(take().empty());
    EXPECT_TRUE(call()->is_ended());
    EXPECT_EQ(call()->end_reason(), dialog::EndReason::Transferred);
    EXPECT_EQ(transfer_trace(),
              (std::vector<std::string>{"start:", "notify:100 Trying", "notify:180 Ringing",
                                        "ok:200 OK", "notify:200 OK", "ended:"}));
    for (const auto& event : events_named(kTransferEvent)) {
        if (param(event, "state") == "start" || param(event, "status") == "100 Trying") continue;
        EXPECT_EQ(param(event, "transfer_callid"), "call-2@127.0.0.1") << param(event, "state");
    }
    EXPECT_EQ(callops->tracked_calls(), 0u);
    // Nothing more later.
    advance(std::chrono::seconds(10));
    EXPECT_TRUE(take().empty());
}

TEST_F(TransferTest, TransferEndsCallOffKeepsTheOldCall) {
    Settings settings = with_mode(Mode::Param);
    settings.transfer_ends_call = false;
    establish(settings);
    const std::string id = dialog::dialog_id_text(call_id());
    ASSERT_TRUE(callops->transfer(call_id(), Side::Caller, kCarol).ok());
    refer();
    answer_refer(202);
    new_call_answered(id, kCaller);
    EXPECT_EQ(answered(notify(2, "SIP/2.0 200 OK\r\n", true)), 200);
    advance(std::chrono::seconds(10));
    EXPECT_TRUE(take().empty());
    EXPECT_TRUE(call()->is_confirmed());
    EXPECT_EQ(transfer_trace(), (std::vector<std::string>{"start:", "ok:200 OK", "notify:200 OK"}));

    // The subscription has ended: a later NOTIFY is the script's again, and
    // the transferee's BYE goes to the callee as usual.
    EXPECT_EQ(answered(notify(3, "SIP/2.0 200 OK\r\n")), 0);
    const auto bye = relay(in_dialog("BYE", 4));
    EXPECT_EQ(bye.destination, kCallee);
    EXPECT_EQ(parse(bye.bytes).method(), sip::Method::Bye);
    EXPECT_EQ(callops->tracked_calls(), 0u);
}

TEST_F(TransferTest, WithoutANotifyTheOldCallEndsAfterTheGrace) {
    establish(with_mode(Mode::Param));
    const std::string id = dialog::dialog_id_text(call_id());
    ASSERT_TRUE(callops->transfer(call_id(), Side::Callee, kCarol).ok());
    refer();
    answer_refer(202);
    new_call_answered(id, kCallee);
    advance(kTransferEndGrace - std::chrono::milliseconds(100));
    EXPECT_TRUE(take().empty());
    EXPECT_TRUE(call()->is_confirmed());
    advance(std::chrono::milliseconds(200));
    EXPECT_EQ(take().size(), 2u);
    EXPECT_EQ(call()->end_reason(), dialog::EndReason::Transferred);
    EXPECT_EQ(transfer_trace(), (std::vector<std::string>{"start:", "ok:200 OK", "ended:"}));
}

TEST_F(TransferTest, APhoneEndingTheCallFirstLeavesNothingToEnd) {
    establish(with_mode(Mode::Param));
    const std::string id = dialog::dialog_id_text(call_id());
    ASSERT_TRUE(callops->transfer(call_id(), Side::Caller, kCarol).ok());
    refer();
    answer_refer(202);
    new_call_answered(id, kCaller);
    // While Tandem waits for the transferee's NOTIFY, the transferee hangs up.
    const auto bye = relay(in_dialog("BYE", 2));
    EXPECT_EQ(bye.destination, kCallee);
    receive(response_to(bye.bytes, 200, ""), kCallee);
    take();
    advance(std::chrono::seconds(5));
    EXPECT_TRUE(take().empty());
    EXPECT_EQ(call()->end_reason(), dialog::EndReason::ByeByCaller);
    EXPECT_EQ(transfer_trace(), (std::vector<std::string>{"start:", "ok:200 OK"}));
    EXPECT_EQ(callops->tracked_calls(), 0u);
}

TEST_F(TransferTest, AFailedTransferLeavesTheCallUp) {
    establish(with_mode(Mode::Param));
    const std::string id = dialog::dialog_id_text(call_id());
    ASSERT_TRUE(callops->transfer(call_id(), Side::Caller, kCarol).ok());
    refer();
    answer_refer(202);
    receive(new_call(std::string(kCarol) + ";osid=" + id).text(), kCaller);
    const auto invite = take_one();
    receive(response_to(invite.bytes, 486, "carol-tag"), kTarget);
    take();  // the 486 to the transferee, who acknowledges it
    Request ack = new_call(kCarol);
    ack.method = "ACK";
    ack.to_tag = "carol-tag";
    ack.body.clear();
    receive(ack.text(), kCaller);
    EXPECT_EQ(answered(notify(2, "SIP/2.0 486 Busy Here\r\n", true)), 200);
    advance(std::chrono::seconds(10));
    EXPECT_TRUE(take().empty());
    EXPECT_TRUE(call()->is_confirmed());
    EXPECT_EQ(transfer_trace(),
              (std::vector<std::string>{"start:", "fail:486 Busy Here", "notify:486 Busy Here"}));
    // The call goes on: the caller's re-INVITE still reaches the callee.
    Request reinvite = in_dialog("INVITE", 3);
    reinvite.body = kCallerSdp;
    EXPECT_EQ(relay(reinvite).destination, kCallee);
}

TEST_F(TransferTest, CallIdModeCarriesTheEscapedCallId) {
    establish(with_mode(Mode::CallId));
    ASSERT_TRUE(callops->transfer(call_id(), Side::Caller, kCarol).ok());
    EXPECT_EQ(refer().header(sip::HeaderId::ReferTo),
              "<sip:carol@127.0.0.1:5072;osid=call-1%40127.0.0.1>");
    answer_refer(202);
    receive(new_call(std::string(kCarol) + ";osid=call-1%40127.0.0.1").text(), kCaller);
    const auto invite = take_one();
    EXPECT_EQ(first_line(invite.bytes), "INVITE sip:carol@127.0.0.1:5072 SIP/2.0");
    receive(response_to(invite.bytes, 486, "carol-tag"), kTarget);
    take();
    EXPECT_EQ(transfer_trace(), (std::vector<std::string>{"start:", "fail:486 Busy Here"}));
}

TEST_F(TransferTest, ManualModeLeavesLinkingAndNotifiesToTheScript) {
    establish(with_mode(Mode::Manual));
    ASSERT_TRUE(callops->transfer(call_id(), Side::Caller, kCarol).ok());
    EXPECT_EQ(refer().header(sip::HeaderId::ReferTo), "<sip:carol@127.0.0.1:5072>");
    answer_refer(202);
    // call_transfer_notify() in the script answers it.
    EXPECT_EQ(answered(notify(2, "SIP/2.0 100 Trying\r\n")), 200);
    // A parameter in the new call's URI means nothing in manual mode;
    // call_blind_replace() in the script links the call.
    receive(new_call(kCarol, "X-Replace: call-1@127.0.0.1\r\n").text(), kCaller);
    const auto invite = take_one();
    receive(response_to(invite.bytes, 200, "carol-tag", "<sip:carol@127.0.0.1:5072>", kCalleeSdp),
            kTarget);
    take();
    EXPECT_EQ(transfer_trace(),
              (std::vector<std::string>{"start:", "notify:100 Trying", "ok:200 OK"}));
    EXPECT_EQ(param(raised.back(), "transfer_callid"), "call-2@127.0.0.1");
    // The NOTIFY reporting the outcome, through the script, ends the call.
    EXPECT_EQ(answered(notify(3, "SIP/2.0 200 OK\r\n", true)), 200);
    advance(std::chrono::milliseconds(0));
    EXPECT_EQ(take().size(), 2u);
    EXPECT_EQ(call()->end_reason(), dialog::EndReason::Transferred);
}

TEST_F(TransferTest, BlindReplaceFollowsATransferTandemDidNotStart) {
    establish(with_mode(Mode::Manual));
    receive(new_call(kCarol, "X-Replace: call-1@127.0.0.1\r\n").text(), kCaller);
    const auto invite = take_one();
    receive(response_to(invite.bytes, 603, "carol-tag"), kTarget);
    take();
    EXPECT_EQ(transfer_trace(), (std::vector<std::string>{"start:", "fail:603 Decline"}));
    EXPECT_EQ(param(raised[0], "leg"), "unknown");
    EXPECT_EQ(param(raised[0], "destination"), kCarol);
}

TEST_F(TransferTest, ATransferThePhonesMadeIsNotEndedByTandem) {
    // Tandem is not the transferor: the phone that sent the REFER ends its call.
    establish(with_mode(Mode::Manual));
    receive(new_call(kCarol, "X-Replace: call-1@127.0.0.1\r\n").text(), kCaller);
    const auto invite = take_one();
    receive(response_to(invite.bytes, 200, "carol-tag", "<sip:carol@127.0.0.1:5072>", kCalleeSdp),
            kTarget);
    take();
    advance(std::chrono::seconds(10));
    EXPECT_TRUE(take().empty());
    EXPECT_TRUE(call()->is_confirmed());
    EXPECT_EQ(transfer_trace(), (std::vector<std::string>{"start:", "ok:200 OK"}));
}

TEST_F(TransferTest, RejectedReferFailsTheTransfer) {
    establish(with_mode(Mode::Param));
    ASSERT_TRUE(callops->transfer(call_id(), Side::Callee, kCarol).ok());
    refer();
    EXPECT_EQ(refer_to, kCallee);
    answer_refer(603);
    EXPECT_EQ(transfer_trace(), (std::vector<std::string>{"start:", "fail:603 Decline"}));
    EXPECT_EQ(param(raised.back(), "leg"), "callee");
    // Another attempt may start.
    EXPECT_TRUE(callops->transfer(call_id(), Side::Callee, kCarol).ok());
}

TEST_F(TransferTest, OneTransferAtATime) {
    establish(with_mode(Mode::Param));
    ASSERT_TRUE(callops->transfer(call_id(), Side::Caller, kCarol).ok());
    EXPECT_EQ(callops->transfer(call_id(), Side::Callee, kCarol).error().status, 491);
    EXPECT_EQ(callops->transfer(42, Side::Callee, kCarol).error().status, 404);
    EXPECT_EQ(callops->transfer(call_id(), Side::Caller, "nowhere").error().status, 491);
}

TEST_F(TransferTest, BadDestinationSendsNothing) {
    establish(with_mode(Mode::Param));
    EXPECT_EQ(callops->transfer(call_id(), Side::Caller, "carol").error().status, 400);
    EXPECT_TRUE(take().empty());
    EXPECT_TRUE(raised.empty());
}

TEST_F(TransferTest, NoNotifyInTimeFails) {
    establish(with_mode(Mode::Param));
    ASSERT_TRUE(callops->transfer(call_id(), Side::Caller, kCarol).ok());
    refer();
    advance(std::chrono::seconds(2));
    answer_refer(202);
    advance(std::chrono::seconds(2));
    EXPECT_EQ(transfer_trace(), (std::vector<std::string>{"start:"}));
    advance(std::chrono::seconds(2));
    EXPECT_EQ(transfer_trace(), (std::vector<std::string>{"start:", "fail:408 Request Timeout"}));
    // A late NOTIFY is still answered here, and fails nothing again.
    EXPECT_EQ(answered(notify(2, "SIP/2.0 200 OK\r\n", true)), 200);
    EXPECT_EQ(transfer_trace(),
              (std::vector<std::string>{"start:", "fail:408 Request Timeout", "notify:200 OK"}));
}

TEST_F(TransferTest, NoAnswerToTheReferFails) {
    establish(with_mode(Mode::Param));
    ASSERT_TRUE(callops->transfer(call_id(), Side::Caller, kCarol).ok());
    advance(std::chrono::seconds(4));
    EXPECT_EQ(transfer_trace(), (std::vector<std::string>{"start:", "fail:408 Request Timeout"}));
    advance(std::chrono::seconds(40));
    EXPECT_EQ(transfer_trace().size(), 2u);
}

TEST_F(TransferTest, FailingSipfragFailsOnce) {
    establish(with_mode(Mode::Param));
    ASSERT_TRUE(callops->transfer(call_id(), Side::Caller, kCarol).ok());
    refer();
    answer_refer(202);
    EXPECT_EQ(answered(notify(2, "SIP/2.0 486 Busy Here\r\n")), 200);
    EXPECT_EQ(answered(notify(3, "SIP/2.0 487 Request Terminated\r\n", true)), 200);
    advance(std::chrono::seconds(10));
    EXPECT_EQ(transfer_trace(),
              (std::vector<std::string>{"start:", "notify:486 Busy Here", "fail:486 Busy Here",
                                        "notify:487 Request Terminated"}));
}

TEST_F(TransferTest, NotifyWithoutSipfragIsRefused) {
    establish(with_mode(Mode::Param));
    ASSERT_TRUE(callops->transfer(call_id(), Side::Caller, kCarol).ok());
    refer();
    answer_refer(202);
    Request bad = notify(2, "v=0\r\n");
    EXPECT_EQ(answered(bad), 400);
    bad = notify(3, "SIP/2.0 180 Ringing\r\n");
    bad.content_type = "text/plain";
    EXPECT_EQ(answered(bad), 400);
    EXPECT_EQ(transfer_trace(), (std::vector<std::string>{"start:"}));
}

TEST_F(TransferTest, TheOldCallEndingKeepsTheOutcome) {
    establish(with_mode(Mode::Param));
    const std::string id = dialog::dialog_id_text(call_id());
    ASSERT_TRUE(callops->transfer(call_id(), Side::Caller, kCarol).ok());
    refer();
    answer_refer(202);
    receive(new_call(std::string(kCarol) + ";osid=" + id).text(), kCaller);
    const auto invite = take_one();
    const auto bye = relay(in_dialog("BYE", 2));
    receive(response_to(bye.bytes, 200, ""), kCallee);
    take();
    receive(response_to(invite.bytes, 200, "carol-tag", "<sip:carol@127.0.0.1:5072>", kCalleeSdp),
            kTarget);
    take();
    // Already ended by the transferee: nothing left for Tandem to end.
    EXPECT_EQ(transfer_trace(), (std::vector<std::string>{"start:", "ok:200 OK"}));
    EXPECT_EQ(callops->tracked_calls(), 0u);
    advance(std::chrono::seconds(10));
    EXPECT_TRUE(take().empty());
    EXPECT_EQ(call()->end_reason(), dialog::EndReason::ByeByCaller);
}

TEST_F(TransferTest, NewCallDroppedByTheScriptFailsTheTransfer) {
    // The request route drops the transferee's new INVITE: no final reply
    // will ever come, and the transfer must not wait for one.
    const std::string script = R"(
function request_route(msg)
  if has_totag() then
    if loose_route() then t_relay() end
    return
  end
  if msg:header("X-Drop") then
    drop()
    return
  end
  create_dialog()
  record_route()
  t_relay()
end
)";
    establish(with_mode(Mode::Param), script);
    const std::string id = dialog::dialog_id_text(call_id());
    ASSERT_TRUE(callops->transfer(call_id(), Side::Caller, kCarol).ok());
    refer();
    answer_refer(202);
    receive(new_call(std::string(kCarol) + ";osid=" + id, "X-Drop: yes\r\n").text(), kCaller);
    EXPECT_TRUE(take().empty());
    EXPECT_EQ(transfer_trace(), (std::vector<std::string>{"start:", "fail:"}));
    EXPECT_EQ(callops->watched_requests(), 0u);
}

TEST_F(TransferTest, UnknownMatchingParameterIsStillRemoved) {
    establish(with_mode(Mode::Param));
    receive(new_call(std::string(kCarol) + ";osid=ffff00000099").text(), kCaller);
    EXPECT_EQ(first_line(take_one().bytes), "INVITE sip:carol@127.0.0.1:5072 SIP/2.0");
    EXPECT_TRUE(raised.empty());
}

TEST_F(TransferTest, AttendedTransferReplacesTheOtherCall) {
    establish(with_mode(Mode::Param));
    // Call B: the caller's consultation call to Carol.
    Request b;
    b.call_id = "call-b@127.0.0.1";
    b.from_tag = "b-caller";
    b.branch = "z9hG4bK-b";
    b.uri = kCarol;
    b.body = kCallerSdp;
    const auto relayed = relay(b);
    receive(response_to(relayed.bytes, 200, "b-callee", "<sip:carol@127.0.0.1:5072>", kCalleeSdp),
            kTarget);
    take();

    auto target = callops->lookup_replaces("call-b@127.0.0.1", Side::Callee);
    ASSERT_TRUE(target.ok());
    EXPECT_EQ(target->to_tag, "b-callee");
    EXPECT_EQ(target->from_tag, "b-caller");
    EXPECT_EQ(target->destination, "sip:bob@127.0.0.1:5070");  // B's To URI
    auto caller_side = callops->lookup_replaces("call-b@127.0.0.1", Side::Caller);
    ASSERT_TRUE(caller_side.ok());
    EXPECT_EQ(caller_side->to_tag, "b-caller");
    EXPECT_EQ(caller_side->destination, "sip:alice@127.0.0.1:5080");
    EXPECT_EQ(callops->lookup_replaces("nope", Side::Callee).error().status, 404);

    // Bob (callee of call 1) is sent to Carol, replacing Alice in call B.
    ASSERT_TRUE(callops->transfer(call_id(), Side::Callee, kCarol, *target).ok());
    const sip::Message sent = refer();
    EXPECT_EQ(refer_to, kCallee);
    EXPECT_EQ(sent.header(sip::HeaderId::ReferTo),
              "<sip:carol@127.0.0.1:5072?Replaces=call-b%40127.0.0.1%3Bto-tag%3Db-callee%3Bfrom-"
              "tag%3Db-caller>");
    ASSERT_EQ(raised.size(), 1u);
    EXPECT_EQ(param(raised[0], "transfer_callid"), "call-b@127.0.0.1");
    EXPECT_EQ(param(raised[0], "leg"), "callee");

    // Bob calls Carol replacing call B: both calls follow the new one.
    answer_refer(202);
    raised.clear();
    receive(
        new_call(kCarol, "Replaces: call-b@127.0.0.1;to-tag=b-callee;from-tag=b-caller\r\n").text(),
        kCallee);
    const auto invite = take_one();
    EXPECT_EQ(invite.destination, kTarget);
    receive(response_to(invite.bytes, 200, "carol-2", "<sip:carol@127.0.0.1:5072>", kCalleeSdp),
            kTarget);
    take();
    std::vector<std::string> seen;
    for (const auto& event : raised) {
        seen.push_back(param(event, "callid") + " " + param(event, "leg") + " " +
                       param(event, "state") + " " + param(event, "transfer_callid") + " " +
                       param(event, "status"));
    }
    EXPECT_EQ(seen, (std::vector<std::string>{
                        "call-b@127.0.0.1 callee start call-2@127.0.0.1 ",
                        "call-b@127.0.0.1 callee ok call-2@127.0.0.1 200 OK",
                        "call-1@127.0.0.1 callee ok call-2@127.0.0.1 200 OK",
                    }));

    // Bob's NOTIFY reports the outcome: the call Bob was transferred from
    // (Alice-Bob, call 1) is ended by Tandem. Call B is Carol's to end (the
    // INVITE with Replaces tells her to).
    Request report = notify(2, "SIP/2.0 200 OK\r\n", true);
    report.from_tag = "callee-tag";
    report.to_tag = "caller-tag";
    receive(report.text(), kCallee);
    EXPECT_EQ(parse(take_one().bytes).status_code(), 200);
    advance(std::chrono::milliseconds(0));
    const auto byes = take();
    ASSERT_EQ(byes.size(), 2u);
    for (const auto& bye : byes) {
        EXPECT_EQ(parse(bye.bytes).method(), sip::Method::Bye);
        EXPECT_EQ(parse(bye.bytes).call_id(), "call-1@127.0.0.1");
    }
    EXPECT_EQ(call()->end_reason(), dialog::EndReason::Transferred);
    EXPECT_TRUE(proxy->dialogs().find_by_call_id("call-b@127.0.0.1")->is_confirmed());
    EXPECT_EQ(param(raised.back(), "state"), "ended");
    EXPECT_EQ(param(raised.back(), "callid"), "call-1@127.0.0.1");
}

TEST_F(TransferTest, AttendedTransferWithoutDestinationUsesTheKeptPartysUri) {
    establish(with_mode(Mode::Param));
    ReplacesTarget target{"call-b@127.0.0.1", "b-callee", "b-caller", "sip:bob@127.0.0.1:5070"};
    ASSERT_TRUE(callops->transfer(call_id(), Side::Callee, "", target).ok());
    EXPECT_EQ(refer().header(sip::HeaderId::ReferTo),
              "<sip:bob@127.0.0.1:5070?Replaces=call-b%40127.0.0.1%3Bto-tag%3Db-callee%3Bfrom-"
              "tag%3Db-caller>");
}

TEST_F(TransferTest, ScriptTransfersFromInsideTheDialog) {
    establish(with_mode(Mode::Param));
    Request info = in_dialog("INFO", 2);
    info.extra += "X-Transfer: sip:carol@127.0.0.1:5072\r\n";
    receive(info.text(), kCaller);
    const auto sent = take();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(parse(sent[0].bytes).method(), sip::Method::Refer);
    EXPECT_EQ(cache.fetch("transfer"), "true");
    // A second one is refused while the first runs.
    info = in_dialog("INFO", 3);
    info.extra += "X-Transfer: sip:carol@127.0.0.1:5072\r\n";
    receive(info.text(), kCaller);
    take();
    EXPECT_EQ(cache.fetch("transfer"), "false");
}

TEST_F(TransferTest, ScriptLegNamesAreCaseInsensitive) {
    const std::string script = R"(
function request_route(msg)
  if has_totag() then
    if is_method("INFO") then
      cache_store("local", "transfer", tostring(call_transfer("Callee", "sip:carol@127.0.0.1:5072")))
      send_reply(200)
      return
    end
    if loose_route() then t_relay() end
    return
  end
  create_dialog()
  record_route()
  t_relay()
end
)";
    establish(with_mode(Mode::Param), script);
    receive(in_dialog("INFO", 2).text(), kCaller);
    const auto sent = take();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(parse(sent[0].bytes).method(), sip::Method::Refer);
    EXPECT_EQ(sent[0].destination, kCallee);
    EXPECT_EQ(cache.fetch("transfer"), "true");
}

}  // namespace
}  // namespace tandem::callops::testing
