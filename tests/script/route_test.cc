// Calling routes: return values, Lua errors caught as outcomes, the
// instruction budget, exit(), named routes and event routes.
#include <gtest/gtest.h>

#include "script/engine.h"
#include "script_test_support.h"
#include "sip/message.h"

namespace tandem::script {
namespace {

using testing::TestEnvironment;

constexpr std::string_view kInvite =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@example.com>\r\n"
    "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@192.0.2.1>\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

class Routes : public ::testing::Test {
  protected:
    Routes() : message(parse(kInvite)), routed{message, {"192.0.2.1", 5060, "udp"}, actions} {}

    static sip::Message parse(std::string_view text) {
        auto parsed = sip::Message::parse(text);
        EXPECT_TRUE(parsed.ok());
        return std::move(parsed).value();
    }

    ScriptEngine load(const std::string& code) {
        auto engine = env.load(code);
        EXPECT_TRUE(engine.ok()) << engine.error().reason;
        return std::move(engine).value();
    }

    TestEnvironment env;
    sip::Message message;
    RequestActions actions;
    RoutedMessage routed;
};

TEST_F(Routes, RequestRouteGetsTheMessageAndReturnsAValue) {
    ScriptEngine engine = load(R"(
function request_route(msg)
  return msg.method .. " " .. msg.callid
end
)");
    RouteOutcome outcome = engine.run_request_route(routed);
    EXPECT_EQ(outcome.status, RouteStatus::Completed);
    EXPECT_EQ(outcome.returned, ScriptValue{std::string("INVITE a84b4c76e66710@pc33.example.com")});
}

TEST_F(Routes, ReturnValuesConvert) {
    ScriptEngine engine = load(R"(
results = {true, 42, "text", {}, 1.5}
n = 0
function request_route(msg)
  n = n + 1
  return results[n]
end
)");
    EXPECT_EQ(engine.run_request_route(routed).returned, ScriptValue{true});
    EXPECT_EQ(engine.run_request_route(routed).returned, ScriptValue{std::int64_t{42}});
    EXPECT_EQ(engine.run_request_route(routed).returned, ScriptValue{std::string("text")});
    EXPECT_EQ(engine.run_request_route(routed).returned, ScriptValue{});
    EXPECT_EQ(engine.run_request_route(routed).returned, ScriptValue{});
}

TEST_F(Routes, OptionalFixedRoutesMayBeMissing) {
    ScriptEngine engine = load("function request_route(msg) end");
    EXPECT_FALSE(engine.has_reply_route());
    EXPECT_FALSE(engine.has_failure_route());
    EXPECT_EQ(engine.run_reply_route(routed).status, RouteStatus::NoRoute);
    EXPECT_EQ(engine.run_failure_route(routed).status, RouteStatus::NoRoute);

    ScriptEngine full = load(R"(
function request_route(msg) return "request" end
function reply_route(msg) return "reply" end
function failure_route(msg) return "failure" end
)");
    EXPECT_TRUE(full.has_reply_route());
    EXPECT_TRUE(full.has_failure_route());
    EXPECT_EQ(full.run_reply_route(routed).returned, ScriptValue{std::string("reply")});
    EXPECT_EQ(full.run_failure_route(routed).returned, ScriptValue{std::string("failure")});
}

TEST_F(Routes, RoutesAreFixedAtLoad) {
    ScriptEngine engine = load(R"(
function request_route(msg)
  request_route = function() return "replaced" end
  return "original"
end
)");
    EXPECT_EQ(engine.run_request_route(routed).returned, ScriptValue{std::string("original")});
    EXPECT_EQ(engine.run_request_route(routed).returned, ScriptValue{std::string("original")});
}

TEST_F(Routes, ScriptErrorIsAnOutcomeAndTheEngineGoesOn) {
    ScriptEngine engine = load(R"(
calls = 0
function request_route(msg)
  calls = calls + 1
  if calls == 1 then
    local limits = nil
    return limits.max
  end
  return calls
end
)");
    RouteOutcome failed = engine.run_request_route(routed);
    EXPECT_EQ(failed.status, RouteStatus::ScriptError);
    EXPECT_EQ(failed.error.rfind("test.lua:7: attempt to index local 'limits'", 0), 0u)
        << failed.error;
    EXPECT_NE(failed.traceback.find("stack traceback:"), std::string::npos);
    EXPECT_NE(failed.traceback.find("test.lua:7:"), std::string::npos) << failed.traceback;
    EXPECT_TRUE(
        env.sink->contains(spdlog::level::err, "script error in request_route: test.lua:7:"));
    EXPECT_FALSE(engine.busy());

    RouteOutcome next = engine.run_request_route(routed);
    EXPECT_EQ(next.status, RouteStatus::Completed);
    EXPECT_EQ(next.returned, ScriptValue{std::int64_t{2}});
}

TEST_F(Routes, ErrorsWithNonStringValuesAreReported) {
    ScriptEngine engine = load("function request_route(msg) error({code = 1}) end");
    RouteOutcome outcome = engine.run_request_route(routed);
    EXPECT_EQ(outcome.status, RouteStatus::ScriptError);
    EXPECT_EQ(outcome.error, "(error object is a table value)");
}

TEST_F(Routes, ManyFailingCallsLeaveTheStackBalanced) {
    ScriptEngine engine = load(R"(
function request_route(msg)
  if msg.method == "INVITE" then error("boom") end
end
route("named", function(msg) error("named boom") end)
event_route("E_TEST", function(event) error("event boom") end)
)");
    EXPECT_EQ(engine.stack_height(), 0);
    const std::size_t before = engine.memory_bytes();
    for (int i = 0; i < 2000; ++i) {
        ASSERT_EQ(engine.run_request_route(routed).status, RouteStatus::ScriptError);
        ASSERT_EQ(engine.run_named_route("named", RouteKind::Request, routed).status,
                  RouteStatus::ScriptError);
        ASSERT_EQ(engine.run_event_route("E_TEST", {}).status, RouteStatus::ScriptError);
        ASSERT_EQ(engine.run_named_route("missing", RouteKind::Request, routed).status,
                  RouteStatus::NoRoute);
    }
    EXPECT_EQ(engine.stack_height(), 0);
    EXPECT_EQ(engine.run_request_route(routed).status, RouteStatus::ScriptError);
    EXPECT_EQ(engine.stack_height(), 0);
    // The msg objects and event tables of all those calls were collected.
    EXPECT_LT(engine.memory_bytes(), before + 512 * 1024);
}

TEST_F(Routes, RunawayRouteIsAbortedByTheInstructionBudget) {
    ScriptEngine engine = load(R"(
modparam("script", "instruction_budget", 100000)
function request_route(msg)
  if msg.method == "INVITE" then
    local n = 0
    while true do n = n + 1 end
  end
  return "ok"
end
)");
    RouteOutcome outcome = engine.run_request_route(routed);
    ASSERT_EQ(outcome.status, RouteStatus::ScriptError);
    EXPECT_NE(outcome.error.find("test.lua:6: instruction budget of 100000 exceeded"),
              std::string::npos)
        << outcome.error;
    // The budget is per call: the next call starts afresh.
    EXPECT_EQ(engine.run_request_route(routed).status, RouteStatus::ScriptError);
}

TEST_F(Routes, BudgetCannotBeDodgedWithPcall) {
    ScriptEngine engine = load(R"(
modparam("script", "instruction_budget", 50000)
function request_route(msg)
  while true do
    pcall(function() while true do end end)
  end
end
)");
    EXPECT_EQ(engine.run_request_route(routed).status, RouteStatus::ScriptError);
}

TEST_F(Routes, BudgetCoversOrdinaryWork) {
    ScriptEngine engine = load(R"(
modparam("script", "instruction_budget", 1000000)
function request_route(msg)
  local sum = 0
  for i = 1, 10000 do sum = sum + i end
  return sum
end
)");
    for (int i = 0; i < 3; ++i) {
        RouteOutcome outcome = engine.run_request_route(routed);
        ASSERT_EQ(outcome.status, RouteStatus::Completed) << outcome.error;
        EXPECT_EQ(outcome.returned, ScriptValue{std::int64_t{50005000}});
    }
}

TEST_F(Routes, ZeroBudgetTurnsTheCompilerOn) {
    ScriptEngine limited = load("function request_route(msg) return (jit.status()) end");
    EXPECT_EQ(limited.run_request_route(routed).returned, ScriptValue{false});
    ScriptEngine unlimited = load(R"(
modparam("script", "instruction_budget", 0)
function request_route(msg) return (jit.status()) end
)");
    EXPECT_EQ(unlimited.run_request_route(routed).returned, ScriptValue{true});
    EXPECT_FALSE(env.load("modparam('script', 'instruction_budget', -1)\n"
                          "function request_route() end")
                     .ok());
}

TEST_F(Routes, ExitEndsTheRouteNormally) {
    ScriptEngine engine = load(R"(
reached = false
function request_route(msg)
  route("stop")
  reached = true
end
route("stop", function(msg) exit() end)
function failure_route(msg) return reached end
)");
    RouteOutcome outcome = engine.run_request_route(routed);
    EXPECT_EQ(outcome.status, RouteStatus::Completed);
    EXPECT_EQ(outcome.returned, ScriptValue{});
    EXPECT_EQ(engine.run_failure_route(routed).returned, ScriptValue{false});
}

TEST_F(Routes, NamedRoutesRunByNameAndAsAKind) {
    ScriptEngine engine = load(R"(
function request_route(msg)
  return route("relay")
end
route("relay", function(msg) return "relayed " .. msg.method end)
route("missed_call", function(msg) return "failure for " .. msg.callid end)
)");
    EXPECT_TRUE(engine.has_named_route("relay"));
    EXPECT_FALSE(engine.has_named_route("nope"));
    EXPECT_EQ(engine.run_request_route(routed).returned,
              ScriptValue{std::string("relayed INVITE")});
    EXPECT_EQ(engine.run_named_route("missed_call", RouteKind::Failure, routed).returned,
              ScriptValue{std::string("failure for a84b4c76e66710@pc33.example.com")});
}

TEST_F(Routes, CallingAMissingRouteIsAScriptError) {
    ScriptEngine engine = load("function request_route(msg) route('nowhere') end");
    RouteOutcome outcome = engine.run_request_route(routed);
    EXPECT_EQ(outcome.status, RouteStatus::ScriptError);
    EXPECT_EQ(outcome.error, "test.lua:1: route: no route named 'nowhere'");
}

TEST_F(Routes, EndlessRecursionIsAScriptError) {
    ScriptEngine engine = load(R"(
function request_route(msg) route("again") end
route("again", function(msg) route("again") end)
)");
    RouteOutcome outcome = engine.run_request_route(routed);
    EXPECT_EQ(outcome.status, RouteStatus::ScriptError);
    EXPECT_NE(outcome.error.find("stack overflow"), std::string::npos) << outcome.error;
    EXPECT_EQ(engine.stack_height(), 0);
    EXPECT_FALSE(engine.busy());
}

TEST_F(Routes, EventRoutesGetTheirParametersAsATable) {
    ScriptEngine engine = load(R"(
function request_route(msg) end
event_route("E_CALL_TRANSFER", function(event)
  return event.callid .. "/" .. event.leg .. "/" .. event.state .. "/" .. (event.status + 1)
end)
event_route("E_CHAIN", function(event) return route("helper") end)
route("helper", function(event) return event.state end)
)");
    EXPECT_TRUE(engine.has_event_route("E_CALL_TRANSFER"));
    EXPECT_FALSE(engine.has_event_route("E_CALL_HOLD"));
    const EventParams params = {{"callid", std::string("c1")},
                                {"leg", std::string("caller")},
                                {"state", std::string("start")},
                                {"status", std::int64_t{199}}};
    EXPECT_EQ(engine.run_event_route("E_CALL_TRANSFER", params).returned,
              ScriptValue{std::string("c1/caller/start/200")});
    EXPECT_EQ(engine.run_event_route("E_CALL_HOLD", params).status, RouteStatus::NoRoute);
    // A route called from an event route gets the same table.
    EXPECT_EQ(engine.run_event_route("E_CHAIN", params).returned,
              ScriptValue{std::string("start")});
}

TEST_F(Routes, ScriptStateLastsBetweenCalls) {
    ScriptEngine engine = load(R"(
local seen = 0
function request_route(msg)
  seen = seen + 1
  return seen
end
)");
    engine.run_request_route(routed);
    engine.run_request_route(routed);
    EXPECT_EQ(engine.run_request_route(routed).returned, ScriptValue{std::int64_t{3}});
}

TEST_F(Routes, EnginesMove) {
    ScriptEngine engine = load("function request_route(msg) return msg.method end");
    ScriptEngine moved = std::move(engine);
    EXPECT_EQ(moved.run_request_route(routed).returned, ScriptValue{std::string("INVITE")});
}

}  // namespace
}  // namespace tandem::script
