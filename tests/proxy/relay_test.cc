// The stateful relay: a request in, the request relayed, responses back,
// the proxy's own answers (483, 482, send_reply, script errors).
#include <gtest/gtest.h>

#include "proxy_test_support.h"

namespace tandem::proxy::testing {
namespace {

const std::string kRecordRouteScript = R"(
function request_route(msg)
  if has_totag() then
    if loose_route() then t_relay() else send_reply(404, "Not Here") end
    return
  end
  record_route()
  t_relay()
end
)";

class RelayTest : public ProxyTest {};

TEST_F(RelayTest, RelaysInviteWithViaRecordRouteAndMaxForwards) {
    start(kRecordRouteScript);
    const auto sent = relay(Request{});
    EXPECT_EQ(sent.destination, kCallee);
    const sip::Message invite = parse(sent.bytes);
    EXPECT_EQ(first_line(sent.bytes), "INVITE sip:bob@127.0.0.1:5070 SIP/2.0");
    const auto vias = invite.vias();
    ASSERT_TRUE(vias.ok());
    ASSERT_EQ(vias->size(), 2u);
    EXPECT_EQ((*vias)[0].host, "127.0.0.1");
    EXPECT_EQ((*vias)[0].port, 5060);
    EXPECT_TRUE((*vias)[0].branch.starts_with("z9hG4bK"));
    EXPECT_EQ((*vias)[1].branch, "z9hG4bK-caller-1");
    EXPECT_EQ(invite.header(sip::HeaderId::RecordRoute), "<sip:127.0.0.1:5060;lr>");
    EXPECT_EQ(*invite.max_forwards(), 69u);
    EXPECT_EQ(proxy->stats().requests_relayed, 1u);
}

TEST_F(RelayTest, AddsMaxForwardsWhenMissing) {
    start(kRecordRouteScript);
    Request request;
    request.max_forwards.clear();
    const sip::Message invite = parse(relay(request).bytes);
    EXPECT_EQ(*invite.max_forwards(), 70u);
}

TEST_F(RelayTest, RelaysResponsesUpstreamWithoutItsVia) {
    start(kRecordRouteScript);
    const auto invite = relay(Request{});

    receive(response_to(invite.bytes, 100, {}), kCallee);
    EXPECT_TRUE(take().empty()) << "100 Trying is hop by hop";

    receive(response_to(invite.bytes, 180, "callee-tag"), kCallee);
    const auto ringing = take_one();
    EXPECT_EQ(ringing.destination, kCaller);
    EXPECT_EQ(first_line(ringing.bytes), "SIP/2.0 180 Ringing");
    const sip::Message parsed = parse(ringing.bytes);
    ASSERT_EQ(parsed.vias()->size(), 1u);
    EXPECT_EQ(parsed.top_via()->branch, "z9hG4bK-caller-1");
    EXPECT_EQ(parsed.header(sip::HeaderId::RecordRoute), "<sip:127.0.0.1:5060;lr>");

    receive(response_to(invite.bytes, 200, "callee-tag"), kCallee);
    const auto ok = take_one();
    EXPECT_EQ(first_line(ok.bytes), "SIP/2.0 200 OK");
    EXPECT_EQ(ok.destination, kCaller);

    // The callee retransmits its 2xx until the ACK: each goes upstream.
    receive(response_to(invite.bytes, 200, "callee-tag"), kCallee);
    EXPECT_EQ(first_line(take_one().bytes), "SIP/2.0 200 OK");
}

TEST_F(RelayTest, TooManyHopsIsAnswered483) {
    start(kRecordRouteScript);
    Request request;
    request.max_forwards = "0";
    receive(request.text(), kCaller);
    const auto answer = take_one();
    EXPECT_EQ(answer.destination, kCaller);
    EXPECT_EQ(first_line(answer.bytes), "SIP/2.0 483 Too Many Hops");
    EXPECT_EQ(proxy->stats().too_many_hops, 1u);
}

TEST_F(RelayTest, ScriptSeesFailedRelayAndMayAnswerItself) {
    start(R"(
function request_route(msg)
  if not t_relay() then send_reply(599, "Relay Failed") end
end
)");
    Request request;
    request.max_forwards = "0";
    receive(request.text(), kCaller);
    EXPECT_EQ(first_line(take_one().bytes), "SIP/2.0 599 Relay Failed");
}

TEST_F(RelayTest, LoopIsAnswered482AndSpiralIsRelayed) {
    start(kRecordRouteScript);
    // A Request-URI naming the proxy itself: the request comes straight back.
    Request request;
    request.uri = "sip:bob@127.0.0.1:5060";
    const auto first = relay(request);
    EXPECT_EQ(first.destination, kProxyUdp);

    receive(first.bytes, kProxyUdp);
    const auto answer = take_one();
    EXPECT_EQ(first_line(answer.bytes), "SIP/2.0 482 Loop Detected");
    EXPECT_EQ(answer.destination, kProxyUdp);
    EXPECT_EQ(proxy->stats().loops_detected, 1u);
}

TEST_F(RelayTest, RetargetedRequestSpiralsThrough) {
    // The first pass sends the request back to the proxy with a new
    // Request-URI (a user at the proxy's own address); the second pass sees
    // another identity and relays it on.
    start(R"(
function request_route(msg)
  if msg.ruri_user == "alias" then
    msg.ruri = "sip:bob@127.0.0.1:5060"
  end
  t_relay()
end
)");
    Request request;
    request.uri = "sip:alias@127.0.0.1:5060";
    const auto first = relay(request);
    EXPECT_EQ(first.destination, kProxyUdp);
    EXPECT_EQ(first_line(first.bytes), "INVITE sip:bob@127.0.0.1:5060 SIP/2.0");
    receive(first.bytes, kProxyUdp);
    const auto second = take_one();
    EXPECT_EQ(second.destination, kProxyUdp);
    EXPECT_EQ(proxy->stats().loops_detected, 0u);
}

TEST_F(RelayTest, SendReplyAnswersStatefullyWithToTag) {
    start(R"(
function request_route(msg)
  send_reply(404, "Nobody Here")
end
)");
    receive(Request{}.text(), kCaller);
    const auto answer = take_one();
    EXPECT_EQ(first_line(answer.bytes), "SIP/2.0 404 Nobody Here");
    const sip::Message parsed = parse(answer.bytes);
    EXPECT_FALSE(parsed.to()->tag.empty());
    // A retransmission of the INVITE is absorbed by its transaction, which
    // repeats the answer; the script does not run again.
    receive(Request{}.text(), kCaller);
    EXPECT_EQ(first_line(take_one().bytes), "SIP/2.0 404 Nobody Here");
    EXPECT_EQ(proxy->stats().requests_routed, 1u);
}

TEST_F(RelayTest, ProvisionalFromScriptThenRelay) {
    start(R"(
function request_route(msg)
  send_reply(183, "Session Progress")
  t_relay()
end
)");
    receive(Request{}.text(), kCaller);
    const auto sent = take();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(first_line(sent[0].bytes), "SIP/2.0 183 Session Progress");
    EXPECT_EQ(sent[1].destination, kCallee);
}

TEST_F(RelayTest, DropSendsNothing) {
    start(R"(
function request_route(msg)
  drop()
  send_reply(500, "not reached")
end
)");
    receive(Request{}.text(), kCaller);
    EXPECT_TRUE(take().empty());
}

TEST_F(RelayTest, RouteEndingWithoutActionDropsTheRequest) {
    start("function request_route(msg) end\n");
    receive(Request{}.text(), kCaller);
    EXPECT_TRUE(take().empty());
}

TEST_F(RelayTest, ScriptErrorIsAnswered500) {
    start(R"(
function request_route(msg)
  error("boom")
end
)");
    receive(Request{}.text(), kCaller);
    EXPECT_EQ(first_line(take_one().bytes), "SIP/2.0 500 Server Internal Error");
    EXPECT_EQ(proxy->stats().script_errors, 1u);
}

TEST_F(RelayTest, UnresolvableDestinationIsAnswered478) {
    start("function request_route(msg) t_relay() end\n");
    Request request;
    request.uri = "sip:bob@nowhere.invalid";
    receive(request.text(), kCaller);
    EXPECT_EQ(first_line(take_one().bytes), "SIP/2.0 478 Unresolvable destination");
}

TEST_F(RelayTest, HostsFileNamesResolve) {
    start("function request_route(msg) t_relay() end\n");
    Request request;
    request.uri = "sip:bob@localhost:5070";
    EXPECT_EQ(relay(request).destination, kCallee);
}

TEST_F(RelayTest, ExplicitDestinationWins) {
    start(R"(
function request_route(msg)
  if msg.method == "INVITE" then
    t_relay("udp:127.0.0.1:5071")
  else
    msg.dst = "tcp:127.0.0.1:5072"
    t_relay()
  end
end
)");
    const auto invite = relay(Request{});
    EXPECT_EQ(invite.destination, kSecondCallee);
    EXPECT_EQ(first_line(invite.bytes), "INVITE sip:bob@127.0.0.1:5070 SIP/2.0");

    Request options;
    options.method = "OPTIONS";
    options.branch = "z9hG4bK-options";
    const auto sent = relay(options);
    EXPECT_EQ(sent.destination, endpoint("tcp:127.0.0.1:5072"));
    EXPECT_EQ(parse(sent.bytes).top_via()->transport, "TCP");
}

TEST_F(RelayTest, NewRequestUriIsRelayedTo) {
    start(R"(
function request_route(msg)
  msg.ruri = "sip:carol@127.0.0.1:5071"
  t_relay()
end
)");
    const auto sent = relay(Request{});
    EXPECT_EQ(sent.destination, kSecondCallee);
    EXPECT_EQ(first_line(sent.bytes), "INVITE sip:carol@127.0.0.1:5071 SIP/2.0");
}

TEST_F(RelayTest, HeaderEditsApply) {
    start(R"(
function request_route(msg)
  if is_present_hf("X-Secret") then remove_hf("X-Secret") end
  append_hf("X-Tandem: yes\r\n")
  t_relay()
end
)");
    Request request;
    request.extra = "X-Secret: 42\r\n";
    const sip::Message sent = parse(relay(request).bytes);
    EXPECT_FALSE(sent.has("X-Secret"));
    EXPECT_EQ(sent.header("X-Tandem"), "yes");
}

TEST_F(RelayTest, SecondRelayOfTheSameRequestIsRefused) {
    start(R"(
function request_route(msg)
  t_relay()
  if t_relay() then xlog("second relay worked") end
end
)");
    receive(Request{}.text(), kCaller);
    EXPECT_EQ(take().size(), 1u);
}

TEST_F(RelayTest, TransportChangeDoubleRecordRoutes) {
    start(R"(
function request_route(msg)
  record_route()
  t_relay()
end
)");
    Request request;
    request.uri = "sip:bob@127.0.0.1:5070;transport=tcp";
    const auto sent = relay(request);
    EXPECT_EQ(sent.destination, endpoint("tcp:127.0.0.1:5070"));
    const sip::Message invite = parse(sent.bytes);
    const auto record_routes = invite.record_routes();
    ASSERT_TRUE(record_routes.ok());
    ASSERT_EQ(record_routes->size(), 2u);
    EXPECT_EQ((*record_routes)[0].text, "<sip:127.0.0.1:5060;transport=tcp;lr>");
    EXPECT_EQ((*record_routes)[1].text, "<sip:127.0.0.1:5060;lr>");
}

TEST_F(RelayTest, ReplyRouteSeesRepliesAndMayDropProvisionals) {
    start(R"(
function request_route(msg) t_relay() end
function reply_route(msg)
  cache_store("local", "seen_" .. msg.status, "yes")
  if msg.status == 183 then drop() end
end
)");
    const auto invite = relay(Request{});
    receive(response_to(invite.bytes, 183, "t"), kCallee);
    EXPECT_TRUE(take().empty());
    receive(response_to(invite.bytes, 180, "t"), kCallee);
    EXPECT_EQ(first_line(take_one().bytes), "SIP/2.0 180 Ringing");
    EXPECT_EQ(cache.fetch("seen_183"), "yes");
    EXPECT_EQ(cache.fetch("seen_180"), "yes");
}

TEST_F(RelayTest, ArmedReplyRouteRunsForItsTransaction) {
    start(R"(
function request_route(msg)
  t_on_reply("watch")
  t_relay()
end
route("watch", function(msg)
  cache_store("local", "watched", tostring(msg.status))
end)
)");
    const auto invite = relay(Request{});
    receive(response_to(invite.bytes, 180, "t"), kCallee);
    EXPECT_EQ(take().size(), 1u);
    EXPECT_EQ(cache.fetch("watched"), "180");
}

TEST_F(RelayTest, NonInviteRelayAndTimeoutAnswers408) {
    start("function request_route(msg) t_relay() end\n");
    Request request;
    request.method = "OPTIONS";
    const auto sent = relay(request);
    EXPECT_EQ(first_line(sent.bytes), "OPTIONS sip:bob@127.0.0.1:5070 SIP/2.0");
    // Timer F: 64*T1 without an answer.
    for (int i = 0; i < 70; ++i)
        advance(txn::Duration{500});
    bool answered = false;
    for (const auto& message : take()) {
        if (first_line(message.bytes) == "SIP/2.0 408 Request Timeout") {
            answered = true;
            EXPECT_EQ(message.destination, kCaller);
        }
    }
    EXPECT_TRUE(answered);
}

TEST_F(RelayTest, DrainingRejectsNewRequestsOnly) {
    start(kRecordRouteScript);
    proxy->stop_accepting();
    receive(Request{}.text(), kCaller);
    EXPECT_EQ(first_line(take_one().bytes), "SIP/2.0 503 Shutting Down");
    Request bye;
    bye.method = "BYE";
    bye.to_tag = "callee-tag";
    bye.cseq = 2;
    bye.branch = "z9hG4bK-bye";
    bye.extra = "Route: <sip:127.0.0.1:5060;lr>\r\n";
    EXPECT_EQ(relay(bye).destination, kCallee);
}

}  // namespace
}  // namespace tandem::proxy::testing
