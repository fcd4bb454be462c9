// Loose routing, CANCEL propagation, the ACK of a 2xx and serial forking
// from failure routes.
#include <gtest/gtest.h>

#include "proxy_test_support.h"

namespace tandem::proxy::testing {
namespace {

const std::string kDefaultLikeScript = R"(
function request_route(msg)
  if has_totag() then
    if loose_route() then t_relay() else send_reply(404, "Not Here") end
    return
  end
  record_route()
  t_relay()
end
)";

class RoutingTest : public ProxyTest {};

TEST_F(RoutingTest, LooseRoutePopsOwnRouteAndRelaysToRequestUri) {
    start(kDefaultLikeScript);
    const auto sent = relay(in_dialog("BYE", 2, "<sip:127.0.0.1:5060;lr>"));
    EXPECT_EQ(sent.destination, kCallee);
    const sip::Message bye = parse(sent.bytes);
    EXPECT_EQ(first_line(sent.bytes), "BYE sip:bob@127.0.0.1:5070 SIP/2.0");
    EXPECT_FALSE(bye.has(sip::HeaderId::Route));

    receive(response_to(sent.bytes, 200, "callee-tag"), kCallee);
    EXPECT_EQ(first_line(take_one().bytes), "SIP/2.0 200 OK");
}

TEST_F(RoutingTest, LooseRouteFollowsTheNextRoute) {
    start(kDefaultLikeScript);
    const auto sent = relay(
        in_dialog("BYE", 2, "<sip:127.0.0.1:5060;lr>, <sip:127.0.0.1:5071;lr>, <sip:10.9.9.9;lr>"));
    EXPECT_EQ(sent.destination, kSecondCallee);
    const sip::Message bye = parse(sent.bytes);
    const auto routes = bye.routes();
    ASSERT_TRUE(routes.ok());
    ASSERT_EQ(routes->size(), 2u);
    EXPECT_EQ((*routes)[0].text, "<sip:127.0.0.1:5071;lr>");
}

TEST_F(RoutingTest, LooseRoutePopsBothEntriesOfADoubleRecordRoute) {
    start(kDefaultLikeScript);
    const auto sent =
        relay(in_dialog("BYE", 2, "<sip:127.0.0.1:5060;transport=tcp;lr>,<sip:127.0.0.1:5060;lr>"));
    EXPECT_EQ(sent.destination, kCallee);
    EXPECT_FALSE(parse(sent.bytes).has(sip::HeaderId::Route));
}

TEST_F(RoutingTest, StrictRouterBeforeUsIsRepaired) {
    // RFC 3261 16.4: a strict router put our Record-Route URI in the
    // Request-URI and the real target last in Route.
    start(kDefaultLikeScript);
    Request request = in_dialog("BYE", 2, "<sip:127.0.0.1:5071;lr>, <sip:bob@127.0.0.1:5070>");
    request.uri = "sip:127.0.0.1:5060;lr";
    const auto sent = relay(request);
    EXPECT_EQ(first_line(sent.bytes), "BYE sip:bob@127.0.0.1:5070 SIP/2.0");
    EXPECT_EQ(sent.destination, kSecondCallee);
    // The routes are views into the message: keep it alive.
    const sip::Message relayed = parse(sent.bytes);
    const auto routes = relayed.routes();
    ASSERT_TRUE(routes.ok());
    ASSERT_EQ(routes->size(), 1u);
    EXPECT_EQ((*routes)[0].text, "<sip:127.0.0.1:5071;lr>");
}

TEST_F(RoutingTest, StrictRouterNextGetsItsUriAsRequestUri) {
    // RFC 3261 16.6 item 7: the next hop has no ;lr.
    start(kDefaultLikeScript);
    const auto sent = relay(in_dialog("BYE", 2, "<sip:127.0.0.1:5060;lr>, <sip:127.0.0.1:5071>"));
    EXPECT_EQ(sent.destination, kSecondCallee);
    EXPECT_EQ(first_line(sent.bytes), "BYE sip:127.0.0.1:5071 SIP/2.0");
    const sip::Message relayed = parse(sent.bytes);
    const auto routes = relayed.routes();
    ASSERT_TRUE(routes.ok());
    ASSERT_EQ(routes->size(), 1u);
    EXPECT_EQ((*routes)[0].text, "<sip:bob@127.0.0.1:5070>");
}

TEST_F(RoutingTest, NoRouteMeansLooseRouteIsFalse) {
    start(kDefaultLikeScript);
    receive(in_dialog("BYE", 2, "").text(), kCaller);
    EXPECT_EQ(first_line(take_one().bytes), "SIP/2.0 404 Not Here");
}

TEST_F(RoutingTest, AckOfTwoHundredIsRelayedStatelessly) {
    start(kDefaultLikeScript);
    const auto invite = relay(Request{});
    receive(response_to(invite.bytes, 200, "callee-tag"), kCallee);
    EXPECT_EQ(take().size(), 1u);

    const auto ack = relay(in_dialog("ACK", 1, "<sip:127.0.0.1:5060;lr>"));
    EXPECT_EQ(ack.destination, kCallee);
    EXPECT_EQ(first_line(ack.bytes), "ACK sip:bob@127.0.0.1:5070 SIP/2.0");
    const sip::Message parsed = parse(ack.bytes);
    EXPECT_EQ(parsed.vias()->size(), 2u);
    EXPECT_EQ(proxy->stats().acks_relayed, 1u);
}

TEST_F(RoutingTest, CancelIsAnsweredAndSentOnThePendingBranch) {
    start(kDefaultLikeScript);
    const auto invite = relay(Request{});
    receive(response_to(invite.bytes, 180, "callee-tag"), kCallee);
    EXPECT_EQ(take().size(), 1u);

    Request cancel;
    cancel.method = "CANCEL";
    receive(cancel.text(), kCaller);
    const auto sent = take();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(first_line(sent[0].bytes), "SIP/2.0 200 OK");
    EXPECT_EQ(sent[0].destination, kCaller);
    EXPECT_EQ(first_line(sent[1].bytes), "CANCEL sip:bob@127.0.0.1:5070 SIP/2.0");
    EXPECT_EQ(sent[1].destination, kCallee);
    // The CANCEL carries the branch of the INVITE it cancels.
    EXPECT_EQ(parse(sent[1].bytes).top_via()->branch, parse(invite.bytes).top_via()->branch);

    receive(response_to(sent[1].bytes, 200, "callee-tag"), kCallee);
    EXPECT_TRUE(take().empty()) << "the CANCEL's own 200 stays here";

    receive(response_to(invite.bytes, 487, "callee-tag"), kCallee);
    const auto after = take();
    ASSERT_EQ(after.size(), 2u);
    // ACK to the callee (hop by hop) and the 487 upstream, in either order.
    std::vector<std::string> lines{first_line(after[0].bytes), first_line(after[1].bytes)};
    std::sort(lines.begin(), lines.end());
    EXPECT_EQ(lines[0], "ACK sip:bob@127.0.0.1:5070 SIP/2.0");
    EXPECT_EQ(lines[1], "SIP/2.0 487 Request Terminated");
    EXPECT_EQ(proxy->stats().cancels, 1u);
}

TEST_F(RoutingTest, CancelBeforeAnyProvisionalWaitsForIt) {
    start(kDefaultLikeScript);
    const auto invite = relay(Request{});
    Request cancel;
    cancel.method = "CANCEL";
    receive(cancel.text(), kCaller);
    EXPECT_EQ(first_line(take_one().bytes), "SIP/2.0 200 OK");
    // RFC 3261 9.1: the CANCEL goes once the branch has answered.
    receive(response_to(invite.bytes, 180, "callee-tag"), kCallee);
    bool cancelled = false;
    for (const auto& message : take()) {
        EXPECT_NE(first_line(message.bytes), "SIP/2.0 180 Ringing");
        if (first_line(message.bytes).starts_with("CANCEL ")) cancelled = true;
    }
    EXPECT_TRUE(cancelled);
}

TEST_F(RoutingTest, TimerCCancelsABranchThatOnlyRings) {
    ProxyOptions options;
    options.timer_c = std::chrono::seconds{200};
    start(kDefaultLikeScript, options);
    const auto invite = relay(Request{});
    receive(response_to(invite.bytes, 180, "callee-tag"), kCallee);
    EXPECT_EQ(take().size(), 1u);
    advance(std::chrono::seconds{150});
    // Another provisional restarts the timer.
    receive(response_to(invite.bytes, 183, "callee-tag"), kCallee);
    EXPECT_EQ(take().size(), 1u);
    advance(std::chrono::seconds{150});
    EXPECT_TRUE(take().empty());
    advance(std::chrono::seconds{60});
    const auto cancel = take_one();
    EXPECT_EQ(first_line(cancel.bytes), "CANCEL sip:bob@127.0.0.1:5070 SIP/2.0");
    EXPECT_EQ(cancel.destination, kCallee);
    EXPECT_EQ(proxy->stats().timer_c_expired, 1u);

    receive(response_to(invite.bytes, 487, "callee-tag"), kCallee);
    std::vector<std::string> lines;
    for (const auto& message : take())
        lines.push_back(first_line(message.bytes));
    EXPECT_NE(std::find(lines.begin(), lines.end(), "SIP/2.0 487 Request Terminated"), lines.end());
}

TEST_F(RoutingTest, CancelOfUnknownTransactionIs481) {
    start(kDefaultLikeScript);
    Request cancel;
    cancel.method = "CANCEL";
    receive(cancel.text(), kCaller);
    EXPECT_EQ(first_line(take_one().bytes), "SIP/2.0 481 Call/Transaction Does Not Exist");
}

const std::string kSerialForkScript = R"(
function request_route(msg)
  record_route()
  t_on_failure("next")
  t_relay()
end
route("next", function(msg)
  if t_check_status("486|408") then
    msg.ruri = "sip:voicemail@127.0.0.1:5071"
    append_hf("X-Forked: " .. t_reply_code())
    t_relay()
  end
end)
)";

TEST_F(RoutingTest, FailureRouteForksToTheNextDestination) {
    start(kSerialForkScript);
    const auto first = relay(Request{});
    receive(response_to(first.bytes, 486, "busy-tag"), kCallee);
    const auto sent = take();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(first_line(sent[0].bytes), "ACK sip:bob@127.0.0.1:5070 SIP/2.0");
    EXPECT_EQ(sent[1].destination, kSecondCallee);
    EXPECT_EQ(first_line(sent[1].bytes), "INVITE sip:voicemail@127.0.0.1:5071 SIP/2.0");
    const sip::Message second = parse(sent[1].bytes);
    EXPECT_EQ(second.header("X-Forked"), "486");
    // The request route's Record-Route stays on the new branch.
    EXPECT_EQ(second.header(sip::HeaderId::RecordRoute), "<sip:127.0.0.1:5060;lr>");
    EXPECT_NE(second.top_via()->branch, parse(first.bytes).top_via()->branch);

    receive(response_to(sent[1].bytes, 200, "vm-tag"), kSecondCallee);
    const auto ok = take_one();
    EXPECT_EQ(first_line(ok.bytes), "SIP/2.0 200 OK");
    EXPECT_EQ(ok.destination, kCaller);
}

TEST_F(RoutingTest, FailureRouteArmsOnceThenTheFailureGoesUpstream) {
    start(kSerialForkScript);
    const auto first = relay(Request{});
    receive(response_to(first.bytes, 486, "busy-tag"), kCallee);
    const auto sent = take();
    ASSERT_EQ(sent.size(), 2u);
    receive(response_to(sent[1].bytes, 486, "vm-busy"), kSecondCallee);
    bool forwarded = false;
    for (const auto& message : take()) {
        if (first_line(message.bytes) == "SIP/2.0 486 Busy Here") {
            forwarded = true;
            EXPECT_EQ(message.destination, kCaller);
        }
    }
    EXPECT_TRUE(forwarded);
}

TEST_F(RoutingTest, BestReplyIsChosenAmongEveryBranch) {
    start(kSerialForkScript);
    const auto first = relay(Request{});
    receive(response_to(first.bytes, 486, "busy-tag"), kCallee);
    const auto sent = take();
    ASSERT_EQ(sent.size(), 2u);
    // The second branch fails with a 6xx: it wins over the first branch's 486.
    receive(response_to(sent[1].bytes, 603, "vm-declines"), kSecondCallee);
    std::vector<std::string> lines;
    for (const auto& message : take())
        lines.push_back(first_line(message.bytes));
    EXPECT_NE(std::find(lines.begin(), lines.end(), "SIP/2.0 603 Decline"), lines.end());
}

TEST_F(RoutingTest, EarlierBranchReplyCanWin) {
    start(R"(
function request_route(msg)
  t_on_failure("next")
  t_relay()
end
route("next", function(msg)
  if t_reply_code() == 401 then t_relay("udp:127.0.0.1:5071") end
end)
)");
    const auto first = relay(Request{});
    receive(response_to(first.bytes, 401, "auth"), kCallee);
    const auto sent = take();
    ASSERT_EQ(sent.size(), 2u);
    receive(response_to(sent[1].bytes, 404, "nobody"), kSecondCallee);
    std::vector<std::string> lines;
    for (const auto& message : take())
        lines.push_back(first_line(message.bytes));
    // 401 tells the caller how to retry: preferred over 404 (RFC 3261 16.7).
    EXPECT_NE(std::find(lines.begin(), lines.end(), "SIP/2.0 401 Unauthorized"), lines.end());
}

TEST_F(RoutingTest, FailureRouteNotMatchingForwardsTheFailure) {
    start(kSerialForkScript);
    const auto first = relay(Request{});
    receive(response_to(first.bytes, 404, "t"), kCallee);
    std::vector<std::string> lines;
    for (const auto& message : take())
        lines.push_back(first_line(message.bytes));
    EXPECT_NE(std::find(lines.begin(), lines.end(), "SIP/2.0 404 Not Found"), lines.end());
}

TEST_F(RoutingTest, FixedFailureRouteMayAnswerItself) {
    start(R"(
function request_route(msg) t_relay() end
function failure_route(msg)
  send_reply(480, "Try Later")
end
)");
    const auto first = relay(Request{});
    receive(response_to(first.bytes, 503, "t"), kCallee);
    std::vector<std::string> lines;
    for (const auto& message : take())
        lines.push_back(first_line(message.bytes));
    EXPECT_NE(std::find(lines.begin(), lines.end(), "SIP/2.0 480 Try Later"), lines.end());
}

TEST_F(RoutingTest, ServiceUnavailableIsForwardedAs500) {
    start("function request_route(msg) t_relay() end\n");
    const auto first = relay(Request{});
    receive(response_to(first.bytes, 503, "t"), kCallee);
    std::vector<std::string> lines;
    for (const auto& message : take())
        lines.push_back(first_line(message.bytes));
    EXPECT_NE(std::find(lines.begin(), lines.end(), "SIP/2.0 500 Server Internal Error"),
              lines.end());
}

TEST_F(RoutingTest, TimeoutOfAnInviteGoesThroughTheFailureRoute) {
    start(kSerialForkScript);
    relay(Request{});
    // Timer B: 64*T1 without any answer; the synthetic 408 triggers the
    // failure route.
    std::vector<transport::RecordingTransport::Sent> sent;
    for (int i = 0; i < 70; ++i) {
        advance(txn::Duration{500});
        for (auto& message : take())
            sent.push_back(std::move(message));
    }
    bool forked = false;
    for (const auto& message : sent) {
        if (first_line(message.bytes) == "INVITE sip:voicemail@127.0.0.1:5071 SIP/2.0") {
            forked = true;
        }
    }
    EXPECT_TRUE(forked);
}

}  // namespace
}  // namespace tandem::proxy::testing
