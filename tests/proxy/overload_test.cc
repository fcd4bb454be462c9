// Overload protection: new requests beyond the caps (transactions, dialogs,
// INVITEs without any reply) are refused with 503 and Retry-After before
// any state is made; requests within calls, CANCELs and ACKs still pass;
// and a dialog whose INVITE never got a final reply ends with it.
#include <gtest/gtest.h>

#include "proxy/admission.h"
#include "proxy_test_support.h"

namespace tandem::proxy::testing {
namespace {

const std::string kCallScript = R"(
function request_route(msg)
  if has_totag() then
    if loose_route() then t_relay() elseif is_method("ACK") then drop() end
    return
  end
  if is_method("INVITE") then create_dialog() end
  record_route()
  t_relay()
end
)";

class OverloadTest : public ProxyTest {
  protected:
    // The INVITE of call `n`, with its own Call-ID, tag and branch.
    static Request invite(int n) {
        Request request;
        request.call_id = "call-" + std::to_string(n) + "@127.0.0.1";
        request.from_tag = "caller-" + std::to_string(n);
        request.branch = "z9hG4bK-invite-" + std::to_string(n);
        return request;
    }

    std::size_t transactions() const {
        const txn::TransactionStats& stats = proxy->transactions().stats();
        return static_cast<std::size_t>(stats.server_transactions + stats.client_transactions);
    }

    // Checks that `sent` is the 503 refusing a request from the caller.
    static void expect_refused(const transport::RecordingTransport::Sent& sent) {
        EXPECT_EQ(first_line(sent.bytes), "SIP/2.0 503 Service Unavailable");
        EXPECT_EQ(sent.destination, kCaller);
        const sip::Message response = parse(sent.bytes);
        EXPECT_EQ(response.header(sip::HeaderId::RetryAfter).value_or(""), "5");
    }
};

TEST_F(OverloadTest, NewInviteAtTheTransactionCapIsRefusedWithoutState) {
    ProxyOptions options;
    // Refused from nine tenths on: 18 transactions, nine relayed INVITEs.
    options.transactions.max_transactions = 20;
    start(kCallScript, options);
    for (int n = 0; n < 9; ++n) {
        EXPECT_EQ(relay(invite(n)).destination, kCallee) << n;
    }
    EXPECT_EQ(transactions(), 18u);
    EXPECT_EQ(proxy->dialogs().size(), 9u);

    receive(invite(9).text(), kCaller);
    expect_refused(take_one());
    EXPECT_EQ(transactions(), 18u);
    EXPECT_EQ(proxy->dialogs().size(), 9u);
    EXPECT_EQ(proxy->stats().overload_rejected, 1u);
    EXPECT_EQ(proxy->stats().requests_routed, 9u);  // the script never saw it

    // Its retransmission is refused again: nothing absorbed it.
    receive(invite(9).text(), kCaller);
    const auto again = take_one();
    expect_refused(again);
    EXPECT_EQ(proxy->stats().overload_rejected, 2u);

    // The caller's ACK of the 503 ends there, without a route run.
    const sip::Message refusal = parse(again.bytes);
    const auto to = refusal.to();
    ASSERT_TRUE(to);
    EXPECT_TRUE(to->tag.starts_with(kRefusalTagPrefix));
    Request ack = invite(9);
    ack.method = "ACK";
    ack.to_tag = std::string(to->tag);
    receive(ack.text(), kCaller);
    EXPECT_TRUE(take().empty());
    EXPECT_EQ(proxy->stats().refusal_acks_absorbed, 1u);
    EXPECT_EQ(proxy->stats().requests_routed, 9u);

    // Other new requests too.
    Request options_request = invite(10);
    options_request.method = "OPTIONS";
    receive(options_request.text(), kCaller);
    expect_refused(take_one());
}

TEST_F(OverloadTest, BelowTheCapsRequestsAreRelayed) {
    ProxyOptions options;
    options.transactions.max_transactions = 20;
    options.max_dialogs = 2;
    options.max_unreplied_invites = 2;
    start(kCallScript, options);
    EXPECT_EQ(relay(invite(1)).destination, kCallee);
    EXPECT_EQ(relay(invite(2)).destination, kCallee);
    EXPECT_EQ(proxy->stats().overload_rejected, 0u);
}

TEST_F(OverloadTest, AtTheDialogCapCallsInProgressGoOn) {
    ProxyOptions options;
    options.max_dialogs = 1;
    start(kCallScript, options);
    const auto first = relay(invite(1));
    receive(response_to(first.bytes, 180, "callee-tag"), kCallee);
    EXPECT_EQ(take().size(), 1u);

    // A second call is refused: the table holds one dialog.
    receive(invite(2).text(), kCaller);
    expect_refused(take_one());
    EXPECT_EQ(proxy->dialogs().size(), 1u);
    EXPECT_EQ(proxy->dialogs().find_by_call_id("call-2@127.0.0.1"), nullptr);
    EXPECT_EQ(proxy->stats().overload_rejected, 1u);

    // The first call completes: 200 relayed, ACK and BYE in its dialog.
    receive(response_to(first.bytes, 200, "callee-tag"), kCallee);
    EXPECT_EQ(first_line(take_one().bytes), "SIP/2.0 200 OK");
    Request ack = in_dialog("ACK", 1);
    ack.call_id = "call-1@127.0.0.1";
    ack.from_tag = "caller-1";
    EXPECT_EQ(relay(ack).destination, kCallee);
    Request bye = in_dialog("BYE", 2);
    bye.call_id = "call-1@127.0.0.1";
    bye.from_tag = "caller-1";
    EXPECT_EQ(first_line(relay(bye).bytes), "BYE sip:bob@127.0.0.1:5070 SIP/2.0");
    EXPECT_EQ(proxy->stats().overload_rejected, 1u);
}

TEST_F(OverloadTest, CancelOfAnAdmittedInviteIsServedAtTheCap) {
    ProxyOptions options;
    options.max_dialogs = 1;
    start(kCallScript, options);
    const auto first = relay(invite(1));
    receive(response_to(first.bytes, 180, "callee-tag"), kCallee);
    EXPECT_EQ(take().size(), 1u);
    receive(invite(2).text(), kCaller);
    expect_refused(take_one());

    Request cancel = invite(1);
    cancel.method = "CANCEL";
    receive(cancel.text(), kCaller);
    std::vector<std::string> lines;
    for (const auto& message : take())
        lines.push_back(first_line(message.bytes));
    EXPECT_NE(std::find(lines.begin(), lines.end(), "SIP/2.0 200 OK"), lines.end());
    EXPECT_NE(std::find(lines.begin(), lines.end(), "CANCEL sip:bob@127.0.0.1:5070 SIP/2.0"),
              lines.end());
    EXPECT_EQ(proxy->stats().overload_rejected, 1u);
}

TEST_F(OverloadTest, InvitesWithoutAnyReplyHoldBackNewOnes) {
    ProxyOptions options;
    options.max_unreplied_invites = 2;
    start(kCallScript, options);
    const auto first = relay(invite(1));
    relay(invite(2));
    // The next hop has not answered either: Tandem is behind (or it is).
    receive(invite(3).text(), kCaller);
    expect_refused(take_one());
    EXPECT_EQ(proxy->stats().overload_rejected, 1u);

    // A 100 Trying is a reply: room for one more.
    receive(response_to(first.bytes, 100, ""), kCallee);
    EXPECT_TRUE(take().empty());
    EXPECT_EQ(relay(invite(4)).destination, kCallee);
    receive(invite(5).text(), kCaller);
    expect_refused(take_one());
    EXPECT_EQ(proxy->stats().overload_rejected, 2u);
}

TEST_F(OverloadTest, UnrepliedCountComesBackWhenBranchesTimeOut) {
    ProxyOptions options;
    options.max_unreplied_invites = 1;
    start(kCallScript, options);
    relay(invite(1));
    receive(invite(2).text(), kCaller);
    expect_refused(take_one());
    // Timer B: the branch ends with the layer's own 408.
    advance(std::chrono::seconds{40});
    take();
    EXPECT_EQ(relay(invite(3)).destination, kCallee);
}

TEST_F(OverloadTest, EarlyDialogEndsWithItsInviteWhenNoFinalComes) {
    ProxyOptions options;
    options.timer_c = std::chrono::seconds{181};
    start(kCallScript, options);
    const auto sent = relay(invite(1));
    receive(response_to(sent.bytes, 180, "callee-tag"), kCallee);
    EXPECT_EQ(take().size(), 1u);
    const dialog::Dialog* dialog = proxy->dialogs().find_by_call_id("call-1@127.0.0.1");
    ASSERT_NE(dialog, nullptr);
    EXPECT_EQ(dialog->state(), dialog::State::Early);

    // The callee goes silent: timer C cancels the branch, the CANCEL gets
    // no answer either, and 64*T1 later the INVITE ends with a 408.
    advance(std::chrono::seconds{182});
    EXPECT_EQ(first_line(take_one().bytes), "CANCEL sip:bob@127.0.0.1:5070 SIP/2.0");
    for (int i = 0; i < 70; ++i)
        advance(txn::Duration{500});
    dialog = proxy->dialogs().find_by_call_id("call-1@127.0.0.1");
    ASSERT_NE(dialog, nullptr);
    EXPECT_EQ(dialog->state(), dialog::State::Deleted);
    EXPECT_EQ(events.back().new_state, 5);
    // Gone once it has lingered, with every transaction of the call.
    advance(std::chrono::seconds{70});
    EXPECT_EQ(proxy->dialogs().size(), 0u);
    EXPECT_EQ(transactions(), 0u);
}

TEST(Admission, Thresholds) {
    const AdmissionLimits limits{100, 10, 5};
    EXPECT_EQ(admit_new_request(Load{89, 9, 4}, limits, true), Admission::admitted);
    EXPECT_EQ(admit_new_request(Load{90, 0, 0}, limits, false), Admission::too_many_transactions);
    EXPECT_EQ(admit_new_request(Load{0, 10, 0}, limits, true), Admission::too_many_dialogs);
    // Only an INVITE makes a dialog.
    EXPECT_EQ(admit_new_request(Load{0, 10, 0}, limits, false), Admission::admitted);
    EXPECT_EQ(admit_new_request(Load{0, 0, 5}, limits, false), Admission::falling_behind);
    EXPECT_EQ(worker_share(1001, 2), 501u);
    EXPECT_EQ(worker_share(1000, 1), 1000u);
}

TEST(Admission, BurstTrackerFiresOnceAPeakHasDrained) {
    BurstTracker tracker(1000);
    EXPECT_FALSE(tracker.drained(900));
    EXPECT_FALSE(tracker.drained(100));  // too small a peak
    EXPECT_FALSE(tracker.drained(4000));
    EXPECT_FALSE(tracker.drained(1001));
    EXPECT_TRUE(tracker.drained(1000));
    // Once per burst.
    EXPECT_FALSE(tracker.drained(500));
    EXPECT_FALSE(tracker.drained(0));
    EXPECT_FALSE(tracker.drained(2000));
    EXPECT_TRUE(tracker.drained(10));
}

}  // namespace
}  // namespace tandem::proxy::testing
