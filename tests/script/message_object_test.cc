// The msg object against parsed SIP messages: fields, methods, setters that
// record into RequestActions, and a msg used after its route has returned.
#include <gtest/gtest.h>

#include "script/engine.h"
#include "script_test_support.h"
#include "sip/message.h"

namespace tandem::script {
namespace {

using testing::TestEnvironment;

constexpr std::string_view kInvite =
    "INVITE sip:bob@biloxi.example.com:5080;transport=udp SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r\n"
    "Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK99\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
    "X-Account: gold\r\n"
    "Event: refer\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "v=0\n";

constexpr std::string_view kInDialogBye =
    "BYE sip:alice@pc33.atlanta.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 192.0.2.4;branch=z9hG4bKnashds10\r\n"
    "Max-Forwards: 70\r\n"
    "From: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
    "To: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710\r\n"
    "CSeq: 231 BYE\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

constexpr std::string_view kReply =
    "SIP/2.0 486 Busy Here\r\n"
    "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r\n"
    "To: Bob <sip:bob@biloxi.example.com>;tag=8321234356\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

sip::Message parse(std::string_view text) {
    auto parsed = sip::Message::parse(text);
    EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().reason);
    return std::move(parsed).value();
}

class MessageObject : public ::testing::Test {
  protected:
    // Loads a script whose request_route is `body`, and runs it on `text`.
    RouteOutcome run(std::string_view text, const std::string& body) {
        auto engine = env.load("function request_route(msg)\n" + body + "\nend\n");
        EXPECT_TRUE(engine.ok()) << engine.error().reason;
        if (!engine.ok()) return RouteOutcome{RouteStatus::ScriptError, {}, "load failed", {}};
        sip::Message message = parse(text);
        RoutedMessage routed{message, {"192.0.2.1", 5062, "udp"}, actions};
        return engine->run_request_route(routed);
    }

    // Runs `body` and expects it to complete; returns what it returned.
    ScriptValue value_of(std::string_view text, const std::string& body) {
        RouteOutcome outcome = run(text, body);
        EXPECT_EQ(outcome.status, RouteStatus::Completed) << outcome.error;
        return outcome.returned;
    }

    std::string error_of(std::string_view text, const std::string& body) {
        RouteOutcome outcome = run(text, body);
        EXPECT_EQ(outcome.status, RouteStatus::ScriptError);
        return outcome.error;
    }

    TestEnvironment env;
    RequestActions actions;
};

ScriptValue text(const char* value) {
    return ScriptValue{std::string(value)};
}
ScriptValue number(std::int64_t value) {
    return ScriptValue{value};
}

TEST_F(MessageObject, RequestFields) {
    EXPECT_EQ(value_of(kInvite, "return msg.method"), text("INVITE"));
    EXPECT_EQ(value_of(kInvite, "return msg.ruri"),
              text("sip:bob@biloxi.example.com:5080;transport=udp"));
    EXPECT_EQ(value_of(kInvite, "return msg.ruri_user"), text("bob"));
    EXPECT_EQ(value_of(kInvite, "return msg.ruri_host"), text("biloxi.example.com"));
    EXPECT_EQ(value_of(kInvite, "return msg.ruri_port"), number(5080));
    EXPECT_EQ(value_of(kInvite, "return msg.callid"),
              text("a84b4c76e66710@pc33.atlanta.example.com"));
    EXPECT_EQ(value_of(kInvite, "return msg.from_uri"), text("sip:alice@atlanta.example.com"));
    EXPECT_EQ(value_of(kInvite, "return msg.from_tag"), text("1928301774"));
    EXPECT_EQ(value_of(kInvite, "return msg.to_uri"), text("sip:bob@biloxi.example.com"));
    EXPECT_EQ(value_of(kInvite, "return msg.to_tag"), ScriptValue{});
    EXPECT_EQ(value_of(kInvite, "return msg.status"), ScriptValue{});
    EXPECT_EQ(value_of(kInvite, "return msg.reason"), ScriptValue{});
    EXPECT_EQ(value_of(kInvite, "return msg.src_ip"), text("192.0.2.1"));
    EXPECT_EQ(value_of(kInvite, "return msg.src_port"), number(5062));
    EXPECT_EQ(value_of(kInvite, "return msg.proto"), text("udp"));
    EXPECT_EQ(value_of(kInvite, "return msg.body"), text("v=0\n"));
    EXPECT_EQ(value_of(kInvite, "return msg.dst"), ScriptValue{});
    EXPECT_EQ(value_of(kInDialogBye, "return msg.to_tag"), text("1928301774"));
    EXPECT_EQ(value_of(kInDialogBye, "return msg.body"), ScriptValue{});
    EXPECT_EQ(value_of(kInDialogBye, "return msg.ruri_port"), ScriptValue{});
}

TEST_F(MessageObject, ReplyFields) {
    auto engine = env.load(R"(
function request_route(msg) end
function reply_route(msg)
  return table.concat({msg.status, msg.reason, msg.method, tostring(msg.ruri), msg.to_tag,
                       tostring(msg:is_method("INVITE"))}, "|")
end
)");
    ASSERT_TRUE(engine.ok()) << engine.error().reason;
    sip::Message reply = parse(kReply);
    RoutedMessage routed{reply, {"192.0.2.9", 5060, "tcp"}, actions};
    RouteOutcome outcome = engine->run_reply_route(routed);
    ASSERT_EQ(outcome.status, RouteStatus::Completed) << outcome.error;
    EXPECT_EQ(outcome.returned, text("486|Busy Here|INVITE|nil|8321234356|true"));
}

TEST_F(MessageObject, HeaderMethods) {
    EXPECT_EQ(value_of(kInvite, "return msg:header('X-Account')"), text("gold"));
    EXPECT_EQ(value_of(kInvite, "return msg:header('x-account')"), text("gold"));
    EXPECT_EQ(value_of(kInvite, "return msg:header('Event')"), text("refer"));
    EXPECT_EQ(value_of(kInvite, "return msg:header('X-Missing')"), ScriptValue{});
    EXPECT_EQ(value_of(kInvite, "return msg:header('v')"),
              text("SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8"));
    EXPECT_EQ(value_of(kInvite, R"(
local vias = msg:headers("Via")
return #vias .. " " .. vias[2]
)"),
              text("2 SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK99"));
    EXPECT_EQ(value_of(kInvite, "return #msg:headers('X-Missing')"), number(0));
}

TEST_F(MessageObject, DialogAndMethodChecks) {
    EXPECT_EQ(value_of(kInvite, "return msg:has_totag()"), ScriptValue{false});
    EXPECT_EQ(value_of(kInDialogBye, "return msg:has_totag()"), ScriptValue{true});
    EXPECT_EQ(value_of(kInvite, "return msg:is_method('INVITE')"), ScriptValue{true});
    EXPECT_EQ(value_of(kInvite, "return msg:is_method('invite')"), ScriptValue{true});
    EXPECT_EQ(value_of(kInvite, "return msg:is_method('BYE|CANCEL')"), ScriptValue{false});
    EXPECT_EQ(value_of(kInDialogBye, "return msg:is_method('INVITE|BYE')"), ScriptValue{true});
    EXPECT_EQ(value_of(kInDialogBye, "return msg:is_method('INVITE | BYE')"), ScriptValue{true});
    EXPECT_EQ(value_of(kInvite, "return msg:is_method('')"), ScriptValue{false});
}

TEST_F(MessageObject, OpensipsStyleGlobalsAskTheSameQuestions) {
    EXPECT_EQ(value_of(kInvite, "return has_totag()"), ScriptValue{false});
    EXPECT_EQ(value_of(kInDialogBye, "return has_totag()"), ScriptValue{true});
    EXPECT_EQ(value_of(kInDialogBye, "return is_method('INVITE|BYE')"), ScriptValue{true});
    EXPECT_EQ(value_of(kInvite, "return is_method('NOTIFY')"), ScriptValue{false});
    auto top_level = env.check("has_totag()\nfunction request_route(msg) end");
    ASSERT_EQ(top_level.size(), 1u);
    EXPECT_EQ(top_level[0].message, "has_totag: cannot be used at the top level of the script");
}

TEST_F(MessageObject, SettersRecordIntoTheActions) {
    RouteOutcome outcome = run(kInvite, R"(
msg.ruri = "sip:carol@chicago.example.com"
msg.dst = "udp:1.2.3.4:5060"
return msg.ruri .. " " .. msg.ruri_user .. " " .. msg.ruri_host .. " " .. msg.dst
)");
    ASSERT_EQ(outcome.status, RouteStatus::Completed) << outcome.error;
    EXPECT_EQ(outcome.returned,
              text("sip:carol@chicago.example.com carol chicago.example.com udp:1.2.3.4:5060"));
    EXPECT_EQ(actions.request_uri, "sip:carol@chicago.example.com");
    ASSERT_TRUE(actions.destination.has_value());
    EXPECT_EQ(*actions.destination, (SocketAddress{"udp", "1.2.3.4", 5060}));
}

TEST_F(MessageObject, DestinationAcceptsAUriAndNilResets) {
    RouteOutcome outcome = run(kInvite, R"(
msg.dst = "sip:[2001:db8::2]:5070;transport=tcp"
local first = msg.dst
msg.ruri = "sip:x@y"
msg.ruri = nil
return first .. " " .. msg.ruri
)");
    ASSERT_EQ(outcome.status, RouteStatus::Completed) << outcome.error;
    EXPECT_EQ(outcome.returned,
              text("tcp:[2001:db8::2]:5070 sip:bob@biloxi.example.com:5080;transport=udp"));
    EXPECT_FALSE(actions.request_uri.has_value());
    EXPECT_TRUE(actions.destination.has_value());
}

TEST_F(MessageObject, BadSetterValuesAreErrors) {
    EXPECT_EQ(error_of(kInvite, "msg.ruri = 'not a uri'")
                  .rfind("test.lua:2: msg.ruri: bad URI 'not a uri'", 0),
              0u);
    EXPECT_EQ(error_of(kInvite, "msg.ruri = 5"),
              "test.lua:2: msg.ruri: must be a string (got number)");
    EXPECT_EQ(error_of(kInvite, "msg.dst = 'udp:1.2.3.4:0'"),
              "test.lua:2: msg.dst: bad destination 'udp:1.2.3.4:0': bad port '0'");
    EXPECT_EQ(error_of(kInvite, "msg.callid = 'x'"), "test.lua:2: msg.callid is read-only");
    EXPECT_EQ(error_of(kInvite, "msg.nope = 'x'"), "test.lua:2: msg has no field 'nope'");
    EXPECT_EQ(error_of(kInvite, "return msg.callId"), "test.lua:2: msg has no field 'callId'");
    EXPECT_EQ(error_of(kInvite, "local via = msg.header('Via')"),
              "test.lua:2: msg:header: not called on the msg object (write msg:name(...))");
    EXPECT_EQ(error_of(kInvite, "local via = msg:header(5)"),
              "test.lua:2: msg:header: argument 1 (name) must be a string");
    EXPECT_FALSE(actions.request_uri.has_value());
}

TEST_F(MessageObject, RequestUriCannotBeSetOnAReply) {
    auto engine = env.load(R"(
function request_route(msg) end
function reply_route(msg) msg.ruri = "sip:a@b" end
)");
    ASSERT_TRUE(engine.ok());
    sip::Message reply = parse(kReply);
    RoutedMessage routed{reply, {}, actions};
    EXPECT_EQ(engine->run_reply_route(routed).error,
              "test.lua:3: msg.ruri: only a request has a Request-URI");
}

TEST_F(MessageObject, StaleMessageRaisesAClearError) {
    auto engine = env.load(R"(
kept = nil
function request_route(msg)
  if kept == nil then
    kept = msg
    return tostring(msg)
  end
  return kept.callid
end
function failure_route(msg)
  local ok, err = pcall(function() return kept:header("Via") end)
  return err
end
)");
    ASSERT_TRUE(engine.ok()) << engine.error().reason;
    {
        sip::Message first = parse(kInvite);
        RoutedMessage routed{first, {}, actions};
        EXPECT_EQ(engine->run_request_route(routed).returned,
                  text("msg (INVITE sip:bob@biloxi.example.com:5080;transport=udp SIP/2.0)"));
    }
    // The first message is gone; the kept msg must not reach it.
    sip::Message second = parse(kInDialogBye);
    RoutedMessage routed{second, {}, actions};
    RouteOutcome outcome = engine->run_request_route(routed);
    EXPECT_EQ(outcome.status, RouteStatus::ScriptError);
    EXPECT_EQ(outcome.error,
              "test.lua:8: msg.callid: msg is no longer valid (the route it was given to has "
              "returned)");
    EXPECT_EQ(engine->run_failure_route(routed).returned,
              text("test.lua:11: msg:header: msg is no longer valid (the route it was given to "
                   "has returned)"));
}

TEST_F(MessageObject, MessageIsProtected) {
    EXPECT_EQ(value_of(kInvite, "return getmetatable(msg)"), text("msg"));
    EXPECT_EQ(value_of(kInvite, "return type(msg)"), text("userdata"));
    // Lua code cannot replace the metatable that makes msg safe.
    EXPECT_NE(error_of(kInvite, "setmetatable(msg, {})").find("table expected, got userdata"),
              std::string::npos);
}

TEST_F(MessageObject, FunctionsSeeTheRoutedMessage) {
    const sip::Message* seen = nullptr;
    Status added = env.modules.add(ScriptModule{
        .name = "proxy_test",
        .functions = {{"append_hf",
                       {{"header", ArgType::String}},
                       [&seen](CallContext& context, const Arguments& args) -> Result<ScriptValue> {
                           seen = context.message();
                           context.actions()->headers_to_add.emplace_back(args.string(0));
                           return ScriptValue{true};
                       }}},
    });
    ASSERT_TRUE(added.ok());
    auto engine = env.load("function request_route(msg) append_hf('X-Served: yes') end");
    ASSERT_TRUE(engine.ok());
    sip::Message message = parse(kInvite);
    RoutedMessage routed{message, {}, actions};
    ASSERT_EQ(engine->run_request_route(routed).status, RouteStatus::Completed);
    EXPECT_EQ(seen, &message);
    EXPECT_EQ(actions.headers_to_add, std::vector<std::string>{"X-Served: yes"});
}

}  // namespace
}  // namespace tandem::script
