// examples/default.lua, run against stand-ins for the functions the proxy
// and dialog layers export, to check the script's own decisions.
#include <gtest/gtest.h>

#include <filesystem>

#include "script/engine.h"
#include "script_test_support.h"
#include "sip/message.h"

namespace tandem::script {
namespace {

using testing::TestEnvironment;

const std::string kDefaultScript =
    (std::filesystem::path(TANDEM_TEST_DATA).parent_path().parent_path() / "examples" /
     "default.lua")
        .string();

std::string request(const std::string& method, const std::string& ruri, bool in_dialog) {
    return method + " " + ruri + " SIP/2.0\r\n" + "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK" +
           method + "\r\n" +
           "Max-Forwards: 70\r\n"
           "From: <sip:alice@example.com>;tag=a1\r\n" +
           "To: <sip:bob@example.com>" + (in_dialog ? ";tag=b2" : "") + "\r\n" +
           "Call-ID: default-script-test\r\n" + "CSeq: 1 " + method + "\r\n" +
           "Content-Length: 0\r\n\r\n";
}

class DefaultScript : public ::testing::Test {
  protected:
    DefaultScript() {
        // Each stand-in records its call and does what the real function
        // would ask of the proxy.
        auto call = [this](std::string name) {
            return [this, name](CallContext& context,
                                const Arguments& args) -> Result<ScriptValue> {
                calls.push_back(args.has(0) ? name + " " + std::to_string(args.integer(0)) : name);
                if (name == "t_relay") {
                    context.actions()->relay = relay_works;
                    return ScriptValue{relay_works};
                }
                if (name == "loose_route") return ScriptValue{loose_route_result};
                if (name == "send_reply") {
                    context.actions()->reply =
                        ReplyAction{static_cast<int>(args.integer(0)), std::string(args.string(1))};
                }
                if (name == "drop") {
                    context.actions()->drop = true;
                    return ScriptValue{StopRoute{}};
                }
                return ScriptValue{true};
            };
        };
        Status added = env.modules.add(ScriptModule{
            .name = "proxy_stand_in",
            .functions =
                {
                    {"t_relay", {}, call("t_relay")},
                    {"record_route", {}, call("record_route")},
                    {"loose_route", {}, call("loose_route")},
                    {"create_dialog", {}, call("create_dialog")},
                    {"send_reply",
                     {{"code", ArgType::Integer}, {"reason", ArgType::String}},
                     call("send_reply")},
                    {"drop", {}, call("drop")},
                    {"sl_reply_error", {}, call("sl_reply_error")},
                },
        });
        EXPECT_TRUE(added.ok()) << added.error().reason;
    }

    // Loads the script and routes one request through it.
    void route(const std::string& text) {
        auto engine = ScriptEngine::load(ScriptSource::file(kDefaultScript), env.environment());
        ASSERT_TRUE(engine.ok()) << engine.error().reason;
        auto message = sip::Message::parse(text);
        ASSERT_TRUE(message.ok()) << message.error().reason;
        RoutedMessage routed{*message, {"192.0.2.1", 5060, "udp"}, actions};
        RouteOutcome outcome = engine->run_request_route(routed);
        ASSERT_EQ(outcome.status, RouteStatus::Completed) << outcome.error;
    }

    TestEnvironment env;
    std::vector<std::string> calls;
    RequestActions actions;
    bool relay_works = true;
    bool loose_route_result = true;
};

TEST_F(DefaultScript, LoadsWithListenersAndManagement) {
    auto engine = ScriptEngine::load(ScriptSource::file(kDefaultScript), env.environment());
    ASSERT_TRUE(engine.ok()) << engine.error().reason;
    EXPECT_EQ(engine->config().listens,
              (std::vector<SocketAddress>{{"udp", "0.0.0.0", 5060}, {"tcp", "0.0.0.0", 5060}}));
    EXPECT_EQ(engine->config().mi_listens,
              (std::vector<SocketAddress>{{"http", "127.0.0.1", 8888}}));
}

TEST_F(DefaultScript, InitialInviteCreatesADialogAndIsRelayed) {
    route(request("INVITE", "sip:bob@example.com", false));
    EXPECT_EQ(calls, (std::vector<std::string>{"create_dialog", "record_route", "t_relay"}));
    EXPECT_TRUE(actions.relay);
}

TEST_F(DefaultScript, InDialogRequestsAreLooseRouted) {
    route(request("BYE", "sip:bob@192.0.2.2", true));
    EXPECT_EQ(calls, (std::vector<std::string>{"loose_route", "t_relay"}));
}

TEST_F(DefaultScript, InDialogRequestWithoutRouteIsRefused) {
    loose_route_result = false;
    route(request("BYE", "sip:bob@192.0.2.2", true));
    EXPECT_EQ(calls, (std::vector<std::string>{"loose_route", "send_reply 404"}));
    ASSERT_TRUE(actions.reply.has_value());
    EXPECT_EQ(actions.reply->reason, "Not Here");
}

TEST_F(DefaultScript, StrayAcksAreDropped) {
    loose_route_result = false;
    route(request("ACK", "sip:bob@192.0.2.2", true));
    EXPECT_EQ(calls, (std::vector<std::string>{"loose_route", "drop"}));
    EXPECT_TRUE(actions.drop);
}

TEST_F(DefaultScript, RequestsWithoutUserAreRefused) {
    route(request("INVITE", "sip:example.com", false));
    EXPECT_EQ(calls, (std::vector<std::string>{"send_reply 484"}));
}

TEST_F(DefaultScript, MessagesAreRelayedWithoutRecordRoute) {
    route(request("MESSAGE", "sip:bob@example.com", false));
    EXPECT_EQ(calls, (std::vector<std::string>{"t_relay"}));
}

TEST_F(DefaultScript, FailedRelayIsAnsweredWithItsOwnReason) {
    relay_works = false;
    route(request("INVITE", "sip:bob@example.com", false));
    EXPECT_EQ(calls, (std::vector<std::string>{"create_dialog", "record_route", "t_relay",
                                               "sl_reply_error"}));
}

TEST_F(DefaultScript, RegisterIsNotServed) {
    route(request("REGISTER", "sip:example.com", false));
    EXPECT_EQ(calls, (std::vector<std::string>{"send_reply 501"}));
}

}  // namespace
}  // namespace tandem::script
