// Route pre-processing by the proxy core (RFC 3261 16.4) for every script,
// as a phone using Tandem as its outbound proxy needs it, and the failure
// reasons of t_relay() that sl_reply_error() answers with.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "proxy_test_support.h"

namespace tandem::proxy::testing {
namespace {

// Relays without ever calling loose_route().
const std::string kPlainRelayScript = R"(
function request_route(msg)
  record_route()
  if not t_relay() then sl_reply_error() end
end
)";

// The route a phone with `outbound=sip:127.0.0.1;lr` sends.
const std::string kOwnRoute = "Route: <sip:127.0.0.1:5060;lr>\r\n";

std::string read_text(const std::filesystem::path& path) {
    std::ifstream file(path);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

std::string default_script() {
    const auto path = std::filesystem::path(TANDEM_TEST_DATA).parent_path().parent_path() /
                      "examples" / "default.lua";
    const std::string text = read_text(path);
    EXPECT_FALSE(text.empty()) << path;
    return text;
}

class OutboundProxyTest : public ProxyTest {};

TEST_F(OutboundProxyTest, OwnRouteOfAnInitialRequestIsTakenOffWithoutLooseRoute) {
    start(kPlainRelayScript);
    Request invite;
    invite.extra = kOwnRoute;
    const auto sent = relay(invite);
    EXPECT_EQ(sent.destination, kCallee);
    EXPECT_EQ(first_line(sent.bytes), "INVITE sip:bob@127.0.0.1:5070 SIP/2.0");
    const sip::Message relayed = parse(sent.bytes);
    EXPECT_FALSE(relayed.has(sip::HeaderId::Route));
    EXPECT_EQ(relayed.header(sip::HeaderId::RecordRoute), "<sip:127.0.0.1:5060;lr>");
    EXPECT_EQ(proxy->stats().loops_detected, 0u);
}

TEST_F(OutboundProxyTest, OwnRouteIsTakenOffAndTheNextOneFollowed) {
    start(kPlainRelayScript);
    Request invite;
    invite.extra = "Route: <sip:127.0.0.1:5060;lr>, <sip:127.0.0.1:5071;lr>\r\n";
    const auto sent = relay(invite);
    EXPECT_EQ(sent.destination, kSecondCallee);
    const sip::Message relayed = parse(sent.bytes);
    const auto routes = relayed.routes();
    ASSERT_TRUE(routes.ok());
    ASSERT_EQ(routes->size(), 1u);
    EXPECT_EQ((*routes)[0].text, "<sip:127.0.0.1:5071;lr>");
}

TEST_F(OutboundProxyTest, ForeignRouteStaysAsItArrived) {
    start(kPlainRelayScript);
    Request invite;
    invite.extra = "Route: <sip:127.0.0.1:5071;lr>, <sip:127.0.0.1:5060;lr>\r\n";
    const auto sent = relay(invite);
    EXPECT_EQ(sent.destination, kSecondCallee);
    const sip::Message relayed = parse(sent.bytes);
    const auto routes = relayed.routes();
    ASSERT_TRUE(routes.ok());
    ASSERT_EQ(routes->size(), 2u);
    EXPECT_EQ((*routes)[1].text, "<sip:127.0.0.1:5060;lr>");
}

TEST_F(OutboundProxyTest, RequestAddressedToTandemKeepsItsRequestUri) {
    // REGISTER sip:tandem through the outbound proxy tandem: the
    // Request-URI is no Record-Route value of ours (no ;lr), so it is not
    // taken for a strict router's work.
    start(R"(
function request_route(msg)
  send_reply(200, "ruri " .. msg.ruri)
end
)");
    Request request;
    request.method = "REGISTER";
    request.uri = "sip:127.0.0.1:5060";
    request.extra = kOwnRoute;
    receive(request.text(), kCaller);
    EXPECT_EQ(first_line(take_one().bytes), "SIP/2.0 200 ruri sip:127.0.0.1:5060");
}

TEST_F(OutboundProxyTest, StrictRouterBeforeUsIsRepairedForEveryScript) {
    start(R"(
function request_route(msg)
  if msg.ruri_user ~= "bob" then send_reply(500, "Not Repaired") return end
  t_relay()
end
)");
    Request request = in_dialog("BYE", 2, "<sip:127.0.0.1:5071;lr>, <sip:bob@127.0.0.1:5070>");
    request.uri = "sip:127.0.0.1:5060;lr";
    const auto sent = relay(request);
    EXPECT_EQ(first_line(sent.bytes), "BYE sip:bob@127.0.0.1:5070 SIP/2.0");
    EXPECT_EQ(sent.destination, kSecondCallee);
}

TEST_F(OutboundProxyTest, LooseRouteIsFalseForAnInitialRequestRoutedOnlyThroughUs) {
    // OpenSIPS's preloaded-route check: a foreign Route on an initial
    // request is refused, the phone's own outbound proxy entry is not.
    start(R"(
function request_route(msg)
  if not has_totag() and loose_route() then
    send_reply(403, "Preload Route denied")
    return
  end
  t_relay()
end
)");
    Request invite;
    invite.extra = kOwnRoute;
    EXPECT_EQ(relay(invite).destination, kCallee);

    Request preloaded;
    preloaded.call_id = "call-2@127.0.0.1";
    preloaded.branch = "z9hG4bK-caller-2";
    preloaded.extra = "Route: <sip:127.0.0.1:5060;lr>, <sip:127.0.0.1:5071;lr>\r\n";
    receive(preloaded.text(), kCaller);
    EXPECT_EQ(first_line(take_one().bytes), "SIP/2.0 403 Preload Route denied");
}

TEST_F(OutboundProxyTest, LooseRouteStaysTrueInsideADialog) {
    start(R"(
function request_route(msg)
  if loose_route() then t_relay() else send_reply(404, "Not Here") end
end
)");
    const auto sent = relay(in_dialog("BYE", 2, "<sip:127.0.0.1:5060;lr>"));
    EXPECT_EQ(sent.destination, kCallee);
}

TEST_F(OutboundProxyTest, DefaultScriptRelaysThePhonesInvite) {
    start(default_script());
    Request invite;
    invite.extra = kOwnRoute;
    const auto sent = relay(invite);
    EXPECT_EQ(sent.destination, kCallee);
    EXPECT_FALSE(parse(sent.bytes).has(sip::HeaderId::Route));
    receive(response_to(sent.bytes, 200, "callee-tag"), kCallee);
    EXPECT_EQ(first_line(take_one().bytes), "SIP/2.0 200 OK");
    ASSERT_EQ(proxy->dialogs().size(), 1u);
}

TEST_F(OutboundProxyTest, DefaultScriptAnswersALoopWith482) {
    start(default_script());
    Request request;
    request.uri = "sip:bob@127.0.0.1:5060";  // Tandem itself: comes straight back
    const auto first = relay(request);
    EXPECT_EQ(first.destination, kProxyUdp);
    receive(first.bytes, kProxyUdp);
    EXPECT_EQ(first_line(take_one().bytes), "SIP/2.0 482 Loop Detected");
}

TEST_F(OutboundProxyTest, DefaultScriptAnswersTooManyHopsWith483) {
    start(default_script());
    Request request;
    request.max_forwards = "0";
    receive(request.text(), kCaller);
    EXPECT_EQ(first_line(take_one().bytes), "SIP/2.0 483 Too Many Hops");
}

TEST_F(OutboundProxyTest, SlReplyErrorGivesTheUnresolvableDestination) {
    start(R"(
function request_route(msg)
  if not t_relay("udp:nowhere.invalid:5060") then sl_reply_error() end
end
)");
    receive(Request{}.text(), kCaller);
    const std::string answer = first_line(take_one().bytes);
    EXPECT_TRUE(answer.starts_with("SIP/2.0 478 ")) << answer;
}

TEST_F(OutboundProxyTest, SlReplyErrorWithoutAFailureAnswers500) {
    start(R"(
function request_route(msg)
  sl_reply_error()
end
)");
    receive(Request{}.text(), kCaller);
    EXPECT_EQ(first_line(take_one().bytes), "SIP/2.0 500 Server Internal Error");
}

TEST_F(OutboundProxyTest, SlReplyErrorInAFailureRouteGivesTheRelayFailure) {
    start(R"(
function request_route(msg)
  t_on_failure("again")
  t_relay()
end
route("again", function(msg)
  if not t_relay("udp:nowhere.invalid:5060") then sl_reply_error() end
end)
)");
    const auto first = relay(Request{});
    receive(response_to(first.bytes, 486, "callee-tag"), kCallee);
    std::vector<std::string> lines;
    for (const auto& message : take())
        lines.push_back(first_line(message.bytes));
    ASSERT_FALSE(lines.empty());
    const bool answered_478 = std::any_of(lines.begin(), lines.end(), [](const std::string& line) {
        return line.starts_with("SIP/2.0 478 ");
    });
    EXPECT_TRUE(answered_478) << lines.back();
}

}  // namespace
}  // namespace tandem::proxy::testing
