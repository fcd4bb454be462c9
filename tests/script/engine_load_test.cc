// Loading and checking scripts: configuration from the top level, and every
// kind of load error reported as file:line.
#include <gtest/gtest.h>

#include "script/engine.h"
#include "script/script_module.h"
#include "script_test_support.h"

namespace tandem::script {
namespace {

using testing::ScratchDir;
using testing::TestEnvironment;
using testing::with_request_route;

std::vector<std::string> texts(const std::vector<Diagnostic>& diagnostics) {
    std::vector<std::string> result;
    for (const Diagnostic& diagnostic : diagnostics)
        result.push_back(diagnostic.to_string());
    return result;
}

Status accept_modes(const ParamValue& value) {
    const auto& text = std::get<std::string>(value);
    if (text == "param" || text == "manual" || text == "callid") return {};
    return make_error("must be one of param, manual, callid");
}

class EngineLoad : public ::testing::Test {
  protected:
    EngineLoad() {
        Status added = env.modules.add(ScriptModule{
            .name = "dialog",
            .params = {{"max_duration", ParamType::Integer, std::int64_t{0}},
                       {"profile", ParamType::String, std::string("default")}},
        });
        EXPECT_TRUE(added.ok());
        added = env.modules.add(ScriptModule{
            .name = "callops",
            .params = {{"mode", ParamType::String, std::string("param"), accept_modes}},
        });
        EXPECT_TRUE(added.ok());
    }
    TestEnvironment env;
};

TEST_F(EngineLoad, CollectsTheConfigurationOfTheTopLevel) {
    auto engine = env.load(with_request_route(R"(
listen("udp:127.0.0.1:5060")
listen("tcp:[::1]:5060")
mi_listen("127.0.0.1:8888")
modparam("callops", "mode", "manual")
modparam("dialog", "max_duration", 3600)
route("relay", function(msg) end)
event_route("E_CALL_TRANSFER", function(event) end)
)"));
    ASSERT_TRUE(engine.ok()) << engine.error().reason;
    const ScriptConfig& config = engine->config();
    ASSERT_EQ(config.listens.size(), 2u);
    EXPECT_EQ(config.listens[0], (SocketAddress{"udp", "127.0.0.1", 5060}));
    EXPECT_EQ(config.listens[1], (SocketAddress{"tcp", "::1", 5060}));
    ASSERT_EQ(config.mi_listens.size(), 1u);
    EXPECT_EQ(config.mi_listens[0], (SocketAddress{"http", "127.0.0.1", 8888}));
    EXPECT_EQ(config.string_param("callops", "mode"), "manual");
    EXPECT_EQ(config.integer_param("dialog", "max_duration"), 3600);
    // Parameters the script did not set carry their declared defaults.
    EXPECT_EQ(config.string_param("dialog", "profile"), "default");
    EXPECT_EQ(config.integer_param("script", "instruction_budget"), kDefaultInstructionBudget);
    EXPECT_EQ(config.routes, std::vector<std::string>{"relay"});
    EXPECT_EQ(config.event_routes, std::vector<std::string>{"E_CALL_TRANSFER"});
    EXPECT_TRUE(env.check(with_request_route("listen('udp:127.0.0.1:5060')")).empty());
}

TEST_F(EngineLoad, IntegerForAStringParameterIsKeptAsText) {
    Status added = env.modules.add(
        ScriptModule{.name = "numbers", .params = {{"label", ParamType::String, std::string("")}}});
    ASSERT_TRUE(added.ok());
    auto engine = env.load(with_request_route(R"(modparam("numbers", "label", 0))"));
    ASSERT_TRUE(engine.ok()) << engine.error().reason;
    EXPECT_EQ(engine->config().string_param("numbers", "label"), "0");
}

TEST_F(EngineLoad, SyntaxErrorGivesFileAndLine) {
    ScratchDir dir;
    const std::string path = dir.write("broken.lua", "listen('udp:127.0.0.1:5060')\n\nif then\n");
    auto diagnostics = ScriptEngine::check(ScriptSource::file(path), env.environment());
    ASSERT_EQ(diagnostics.size(), 1u);
    EXPECT_EQ(diagnostics[0].location, (SourceLocation{path, 3}));
    EXPECT_NE(diagnostics[0].message.find("unexpected symbol near 'then'"), std::string::npos)
        << diagnostics[0].message;

    auto engine = ScriptEngine::load(ScriptSource::file(path), env.environment());
    ASSERT_FALSE(engine.ok());
    EXPECT_EQ(engine.error().reason.rfind(path + ":3: ", 0), 0u) << engine.error().reason;
}

TEST_F(EngineLoad, RuntimeErrorAtTheTopLevelGivesFileAndLine) {
    auto diagnostics = env.check("local limits = nil\nlocal x = 1\nlocal y = limits.calls\n");
    ASSERT_EQ(diagnostics.size(), 1u);
    EXPECT_EQ(diagnostics[0].location, (SourceLocation{"test.lua", 3}));
    EXPECT_NE(diagnostics[0].message.find("attempt to index"), std::string::npos);

    diagnostics = env.check("\nerror('custom failure')\n");
    ASSERT_EQ(diagnostics.size(), 1u);
    EXPECT_EQ(diagnostics[0].to_string(), "test.lua:2: custom failure");
}

TEST_F(EngineLoad, UnknownModuleOrParameterIsAnError) {
    auto diagnostics = env.check(with_request_route(R"(
modparam("dialogue", "max_duration", 10)
modparam("dialog", "max_dur", 10)
)"));
    EXPECT_EQ(texts(diagnostics),
              (std::vector<std::string>{
                  "test.lua:2: modparam: unknown module 'dialogue'",
                  "test.lua:3: modparam: module 'dialog' has no parameter 'max_dur'"}));
}

TEST_F(EngineLoad, WrongTypesAreErrors) {
    auto diagnostics = env.check(with_request_route(R"(
modparam("dialog", "max_duration", "3600")
modparam("dialog", "max_duration", 1.5)
modparam("dialog", "max_duration", true)
modparam("callops", "mode", "sideways")
modparam(42, "mode", "param")
)"));
    EXPECT_EQ(
        texts(diagnostics),
        (std::vector<std::string>{
            "test.lua:2: modparam: dialog.max_duration: must be an integer (got a string)",
            "test.lua:3: modparam: argument 3 (value) must be a string or an integer (got 1.5)",
            "test.lua:4: modparam: argument 3 (value) must be a string or an integer (got "
            "boolean)",
            "test.lua:5: modparam: callops.mode: must be one of param, manual, callid",
            "test.lua:6: modparam: argument 1 (module) must be a string (got number)"}));
}

TEST_F(EngineLoad, BadListenAddressesAreErrors) {
    auto diagnostics = env.check(with_request_route(R"(
listen("udp:127.0.0.1:99999")
listen("udp:127.0.0.1:5060")
listen("127.0.0.1")
mi_listen("127.0.0.1")
listen(5060)
)"));
    EXPECT_EQ(texts(diagnostics),
              (std::vector<std::string>{
                  "test.lua:2: listen: bad address 'udp:127.0.0.1:99999': bad port '99999'",
                  "test.lua:4: listen: udp:127.0.0.1:5060 is declared twice",
                  "test.lua:5: mi_listen: bad address '127.0.0.1': a port is required, e.g. "
                  "127.0.0.1:8888",
                  "test.lua:6: listen: argument 1 (address) must be a string (got number)"}));
}

TEST_F(EngineLoad, RequestRouteIsRequiredAndRoutesMustBeFunctions) {
    auto diagnostics = env.check("reply_route = 5\nfailure_route = {}\n");
    EXPECT_EQ(texts(diagnostics),
              (std::vector<std::string>{
                  "test.lua: request_route is not defined: the script must define function "
                  "request_route(msg)",
                  "test.lua: reply_route must be a function (got a number)",
                  "test.lua: failure_route must be a function (got a table)"}));
}

TEST_F(EngineLoad, CheckReportsEveryProblemAtOnce) {
    auto diagnostics = env.check(R"(
listen("udp:1.2.3.4:0")
modparam("nope", "x", 1)
route("twice", function() end)
route("twice", function() end)
event_route("", function() end)
)");
    EXPECT_EQ(diagnostics.size(), 5u) << ::testing::PrintToString(texts(diagnostics));
    EXPECT_EQ(diagnostics.back().message,
              "request_route is not defined: the script must define function request_route(msg)");
}

TEST_F(EngineLoad, StatementsAreTopLevelOnly) {
    auto engine = env.load(with_request_route("", R"(
local ok, err = pcall(modparam, "dialog", "max_duration", 1)
assert(not ok and err:find("modparam: can only be used at the top level"), err)
ok, err = pcall(listen, "udp:1.2.3.4")
assert(not ok and err:find("listen: can only be used at the top level"), err)
ok, err = pcall(route, "x", function() end)
assert(not ok and err:find("routes can only be defined at the top level"), err)
ok, err = pcall(event_route, "E", function() end)
assert(not ok and err:find("can only be defined at the top level"), err)
return "checked"
)"));
    ASSERT_TRUE(engine.ok()) << engine.error().reason;
    EXPECT_TRUE(engine->config().listens.empty());
}

TEST_F(EngineLoad, RunawayTopLevelIsStopped) {
    auto diagnostics = env.check("local n = 0\nwhile true do n = n + 1 end\n");
    ASSERT_EQ(diagnostics.size(), 1u);
    EXPECT_EQ(diagnostics[0].location.line, 2);
    EXPECT_NE(diagnostics[0].message.find("instruction budget"), std::string::npos);
}

TEST_F(EngineLoad, ExitEndsTheTopLevelQuietly) {
    auto engine = env.load(with_request_route("") + "exit()\nerror('not reached')\n");
    EXPECT_TRUE(engine.ok()) << engine.error().reason;
}

TEST_F(EngineLoad, MissingFileIsAnError) {
    auto diagnostics =
        ScriptEngine::check(ScriptSource::file("/nonexistent/tandem.lua"), env.environment());
    ASSERT_EQ(diagnostics.size(), 1u);
    EXPECT_EQ(diagnostics[0].location.file, "/nonexistent/tandem.lua");
    EXPECT_NE(diagnostics[0].message.find("cannot read the script"), std::string::npos);
}

TEST_F(EngineLoad, LongPathsAreReportedInFull) {
    ScratchDir dir;
    const std::string name = std::string(80, 'x') + ".lua";
    const std::string path = dir.write(name, "modparam('nope', 'x', 1)\nlocal a = nil + 1\n");
    auto diagnostics = ScriptEngine::check(ScriptSource::file(path), env.environment());
    ASSERT_EQ(diagnostics.size(), 2u);
    EXPECT_EQ(diagnostics[0].location, (SourceLocation{path, 1}));
    EXPECT_EQ(diagnostics[1].location, (SourceLocation{path, 2}));
}

TEST_F(EngineLoad, RequireFindsModulesBesideTheScript) {
    ScratchDir dir;
    dir.write("numbers.lua", "return { blocked = { ['sip:spam@example.com'] = true } }\n");
    const std::string path = dir.write("main.lua",
                                       "local numbers = require('numbers')\n"
                                       "assert(numbers.blocked['sip:spam@example.com'])\n"
                                       "function request_route(msg) end\n");
    auto engine = ScriptEngine::load(ScriptSource::file(path), env.environment());
    EXPECT_TRUE(engine.ok()) << engine.error().reason;
}

TEST_F(EngineLoad, OsExitIsNotAvailable) {
    auto engine = env.load(with_request_route("assert(os.exit == nil)\nassert(os.time() > 0)"));
    EXPECT_TRUE(engine.ok()) << engine.error().reason;
}

TEST(EngineLoadWithoutRegistry, IsAnError) {
    auto diagnostics = ScriptEngine::check(
        ScriptSource::text("x.lua", "function request_route() end"), EngineEnvironment{});
    ASSERT_EQ(diagnostics.size(), 1u);
    EXPECT_EQ(diagnostics[0].message, "no module registry given");
}

}  // namespace
}  // namespace tandem::script
