// Exported functions: typed arguments, error messages that name the function
// and argument, where a function may be used, and what a callable sees.
#include <gtest/gtest.h>

#include <stdexcept>

#include "script/engine.h"
#include "script_test_support.h"
#include "sip/message.h"

namespace tandem::script {
namespace {

using testing::TestEnvironment;

// What the test callables saw, for the assertions.
struct Seen {
    std::vector<std::string> calls;
    RouteKind kind = RouteKind::TopLevel;
    bool had_message = false;
    SourceLocation caller;
};

std::string describe(const Arguments& args) {
    std::string text;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (i > 0) text += ",";
        const ArgumentValue& value = args[i];
        if (std::holds_alternative<std::monostate>(value)) {
            text += "-";
        } else if (const auto* s = std::get_if<std::string_view>(&value)) {
            text += "s:" + std::string(*s);
        } else if (const auto* n = std::get_if<std::int64_t>(&value)) {
            text += "i:" + std::to_string(*n);
        } else if (const auto* b = std::get_if<bool>(&value)) {
            text += *b ? "b:true" : "b:false";
        } else {
            text += "list:";
            for (std::string_view item : std::get<std::vector<std::string_view>>(value)) {
                text += std::string(item) + ";";
            }
        }
    }
    return text;
}

class Functions : public ::testing::Test {
  protected:
    Functions() {
        auto record = [this](CallContext& context, const Arguments& args) -> Result<ScriptValue> {
            seen.calls.push_back(std::string(context.function_name()) + "(" + describe(args) + ")");
            seen.kind = context.route_kind();
            seen.had_message = context.message() != nullptr;
            seen.caller = context.caller();
            return ScriptValue{true};
        };
        Status added = env.modules.add(ScriptModule{
            .name = "test",
            .functions =
                {
                    {"call_transfer",
                     {{"leg", ArgType::String},
                      {"destination", ArgType::String},
                      {"transfer_leg", ArgType::String, true}},
                     record},
                    {"set_timeout", {{"seconds", ArgType::Integer}}, record},
                    {"enable", {{"flag", ArgType::Boolean}}, record},
                    {"add_headers", {{"headers", ArgType::StringList}}, record},
                    {"level", {{"value", ArgType::Scalar}}, record},
                    {"request_only", {}, record, RouteKind::Request},
                    {"anywhere", {}, record, RouteKinds::anywhere()},
                    {"fails",
                     {},
                     [](CallContext&, const Arguments&) -> Result<ScriptValue> {
                         return make_error("no dialog for this call");
                     }},
                    {"throws",
                     {},
                     [](CallContext&, const Arguments&) -> Result<ScriptValue> {
                         throw std::runtime_error("database gone");
                     }},
                    {"stop_here",
                     {},
                     [](CallContext& context, const Arguments&) -> Result<ScriptValue> {
                         context.actions()->drop = true;
                         return ScriptValue{StopRoute{}};
                     }},
                    {"give",
                     {{"what", ArgType::String}},
                     [](CallContext&, const Arguments& args) -> Result<ScriptValue> {
                         if (args.string(0) == "nil") return ScriptValue{};
                         if (args.string(0) == "int") return ScriptValue{std::int64_t{-7}};
                         if (args.string(0) == "false") return ScriptValue{false};
                         return ScriptValue{std::string("text")};
                     }},
                },
        });
        EXPECT_TRUE(added.ok()) << added.error().reason;
        auto parsed = sip::Message::parse(
            "OPTIONS sip:x@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n"
            "From: <sip:a@example.com>;tag=1\r\nTo: <sip:x@example.com>\r\nCall-ID: c\r\n"
            "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
        EXPECT_TRUE(parsed.ok());
        message = std::make_unique<sip::Message>(std::move(parsed).value());
    }

    // Runs `body` as request_route; returns the outcome.
    RouteOutcome run(const std::string& body) {
        auto engine = env.load("function request_route(msg)\n" + body + "\nend\n");
        EXPECT_TRUE(engine.ok()) << engine.error().reason;
        if (!engine.ok()) return RouteOutcome{RouteStatus::ScriptError, {}, "load failed", {}};
        RoutedMessage routed{*message, {"10.0.0.1", 5060, "udp"}, actions};
        return engine->run_request_route(routed);
    }

    // The error of running `body`, which must fail.
    std::string error_of(const std::string& body) {
        RouteOutcome outcome = run(body);
        EXPECT_EQ(outcome.status, RouteStatus::ScriptError) << body;
        return outcome.error;
    }

    TestEnvironment env;
    Seen seen;
    std::unique_ptr<sip::Message> message;
    RequestActions actions;
};

TEST_F(Functions, ReceiveCheckedArguments) {
    RouteOutcome outcome = run(R"(
assert(call_transfer("caller", "sip:announcement@127.0.0.1") == true)
call_transfer("caller", "sip:a@b", "callee")
call_transfer("caller", "sip:a@b", nil)
set_timeout(30)
set_timeout(-2)
enable(false)
add_headers({"X-A: 1", "X-B: 2", 3})
add_headers({})
level("L_ERR")
level(-1)
call_transfer("caller", 42)
)");
    ASSERT_EQ(outcome.status, RouteStatus::Completed) << outcome.error;
    EXPECT_EQ(seen.calls, (std::vector<std::string>{
                              "call_transfer(s:caller,s:sip:announcement@127.0.0.1,-)",
                              "call_transfer(s:caller,s:sip:a@b,s:callee)",
                              "call_transfer(s:caller,s:sip:a@b,-)",
                              "set_timeout(i:30)",
                              "set_timeout(i:-2)",
                              "enable(b:false)",
                              "add_headers(list:X-A: 1;X-B: 2;3;)",
                              "add_headers(list:)",
                              "level(s:L_ERR)",
                              "level(i:-1)",
                              "call_transfer(s:caller,s:42,-)",
                          }));
}

TEST_F(Functions, WrongArgumentsNameTheFunctionAndArgument) {
    EXPECT_EQ(error_of("call_transfer('caller')"),
              "test.lua:2: call_transfer: argument 2 (destination) must be a string (got nil)");
    EXPECT_EQ(error_of("call_transfer('caller', {})"),
              "test.lua:2: call_transfer: argument 2 (destination) must be a string (got table)");
    EXPECT_EQ(error_of("set_timeout('30')"),
              "test.lua:2: set_timeout: argument 1 (seconds) must be an integer (got string)");
    EXPECT_EQ(error_of("set_timeout(1.5)"),
              "test.lua:2: set_timeout: argument 1 (seconds) must be an integer (got 1.5)");
    EXPECT_EQ(error_of("enable(1)"),
              "test.lua:2: enable: argument 1 (flag) must be a boolean (got 1)");
    EXPECT_EQ(
        error_of("add_headers('X-A: 1')"),
        "test.lua:2: add_headers: argument 1 (headers) must be a table of strings (got string)");
    EXPECT_EQ(error_of("add_headers({'a', true})"),
              "test.lua:2: add_headers: argument 1 (headers) must be a table of strings (element 2 "
              "is a boolean)");
    EXPECT_EQ(error_of("level(0.5)"),
              "test.lua:2: level: argument 1 (value) must be a string or an integer (got 0.5)");
    EXPECT_EQ(error_of("set_timeout(1, 2)"),
              "test.lua:2: set_timeout: too many arguments (2 given, at most 1)");
    EXPECT_TRUE(seen.calls.empty());
}

TEST_F(Functions, CallableErrorsBecomeLuaErrors) {
    EXPECT_EQ(error_of("fails()"), "test.lua:2: fails: no dialog for this call");
    EXPECT_EQ(error_of("throws()"), "test.lua:2: throws: internal error: database gone");
    // A script may catch them.
    RouteOutcome outcome = run(R"(
local ok, err = pcall(fails)
return err
)");
    EXPECT_EQ(outcome.returned,
              ScriptValue{std::string("test.lua:3: fails: no dialog for this call")});
}

TEST_F(Functions, ReturnValuesReachLua) {
    RouteOutcome outcome = run(R"(
assert(give("nil") == nil)
assert(give("int") == -7)
assert(give("false") == false)
return give("string")
)");
    ASSERT_EQ(outcome.status, RouteStatus::Completed) << outcome.error;
    EXPECT_EQ(outcome.returned, ScriptValue{std::string("text")});
}

TEST_F(Functions, StopRouteEndsTheRoute) {
    RouteOutcome outcome = run(R"(
stop_here()
error("not reached")
)");
    EXPECT_EQ(outcome.status, RouteStatus::Completed) << outcome.error;
    EXPECT_TRUE(actions.drop);
}

TEST_F(Functions, ContextTellsTheRouteAndCaller) {
    RouteOutcome outcome = run("\n\nrequest_only()");
    ASSERT_EQ(outcome.status, RouteStatus::Completed) << outcome.error;
    EXPECT_EQ(seen.kind, RouteKind::Request);
    EXPECT_TRUE(seen.had_message);
    EXPECT_EQ(seen.caller, (SourceLocation{"test.lua", 4}));
}

TEST_F(Functions, UsableOnlyWhereDeclared) {
    auto engine = env.load(R"(
anywhere()
function request_route(msg) end
route("on_failure", function(msg) request_only() end)
event_route("E_TEST", function(event) anywhere() end)
)");
    ASSERT_TRUE(engine.ok()) << engine.error().reason;
    EXPECT_EQ(seen.kind, RouteKind::TopLevel);
    EXPECT_FALSE(seen.had_message);

    RoutedMessage routed{*message, {}, actions};
    RouteOutcome outcome = engine->run_named_route("on_failure", RouteKind::Failure, routed);
    EXPECT_EQ(outcome.error, "test.lua:4: request_only: cannot be used in failure_route");

    EXPECT_EQ(engine->run_event_route("E_TEST", {}).status, RouteStatus::Completed);
    EXPECT_EQ(seen.kind, RouteKind::Event);
    EXPECT_FALSE(seen.had_message);

    auto top_level = env.check("request_only()\nfunction request_route() end");
    ASSERT_EQ(top_level.size(), 1u);
    EXPECT_EQ(top_level[0].to_string(),
              "test.lua:1: request_only: cannot be used at the top level of the script");
}

TEST(ArgumentsByHand, SupportCallableUnitTests) {
    // Layers test their callables without Lua by building the arguments.
    Arguments args;
    args.push_back(std::string_view("caller"));
    args.push_back(std::monostate{});
    args.push_back(std::int64_t{5});
    args.push_back(true);
    EXPECT_EQ(args.size(), 4u);
    EXPECT_EQ(args.string(0), "caller");
    EXPECT_FALSE(args.has(1));
    EXPECT_EQ(args.optional_string(1), std::nullopt);
    EXPECT_EQ(args.optional_integer(2), 5);
    EXPECT_EQ(args.optional_boolean(3), true);
    EXPECT_FALSE(args.has(7));
    CallContext context(CallContext::Parts{.function_name = "f"});
    EXPECT_EQ(context.caller(), SourceLocation{});
    EXPECT_EQ(context.message(), nullptr);
    EXPECT_EQ(context.actions(), nullptr);
}

}  // namespace
}  // namespace tandem::script
