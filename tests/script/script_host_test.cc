// Reloading a worker's script: a good script replaces the engine and keeps
// the cache; a bad one leaves the running engine in place.
#include "script/script_host.h"

#include <gtest/gtest.h>

#include "script_test_support.h"

namespace tandem::script {
namespace {

using testing::ScratchDir;
using testing::TestEnvironment;

constexpr const char* kVersionOne = R"(
listen("udp:127.0.0.1:5060")
event_route("E_VERSION", function(event) return "one" end)
function request_route(msg) end
)";

constexpr const char* kVersionTwo = R"(
listen("udp:127.0.0.1:5060")
event_route("E_VERSION", function(event) return "two" end)
event_route("E_CACHE", function(event) return cache_fetch("local", "kept") end)
function request_route(msg) end
)";

ScriptValue version_of(ScriptHost& host) {
    return host.engine().run_event_route("E_VERSION", {}).returned;
}

TEST(ScriptHost, ReloadSwapsInTheEditedScript) {
    TestEnvironment env;
    ScratchDir dir;
    const std::string path = dir.write("tandem.lua", kVersionOne);
    auto host = ScriptHost::start(ScriptSource::file(path), env.environment());
    ASSERT_TRUE(host.ok()) << host.error().reason;
    EXPECT_EQ(version_of(*host), ScriptValue{std::string("one")});
    ASSERT_TRUE(env.cache.store("kept", "across reloads").ok());

    dir.write("tandem.lua", kVersionTwo);
    auto report = host->reload();
    ASSERT_TRUE(report.ok()) << report.error().reason;
    EXPECT_EQ(report->generation, 2u);
    EXPECT_FALSE(report->settings_changed);
    EXPECT_EQ(host->generation(), 2u);
    EXPECT_EQ(version_of(*host), ScriptValue{std::string("two")});
    EXPECT_EQ(host->engine().run_event_route("E_CACHE", {}).returned,
              ScriptValue{std::string("across reloads")});
}

TEST(ScriptHost, FailedReloadKeepsTheRunningScript) {
    TestEnvironment env;
    ScratchDir dir;
    const std::string path = dir.write("tandem.lua", kVersionOne);
    auto host = ScriptHost::start(ScriptSource::file(path), env.environment());
    ASSERT_TRUE(host.ok()) << host.error().reason;

    dir.write("tandem.lua", "function request_route(msg)\n  if then\nend\n");
    auto report = host->reload();
    ASSERT_FALSE(report.ok());
    EXPECT_NE(report.error().reason.find(path + ":2:"), std::string::npos) << report.error().reason;
    EXPECT_EQ(host->generation(), 1u);
    EXPECT_EQ(version_of(*host), ScriptValue{std::string("one")});

    dir.write("tandem.lua", "modparam('nope', 'x', 1)\nfunction request_route(msg) end\n");
    report = host->reload();
    ASSERT_FALSE(report.ok());
    EXPECT_NE(report.error().reason.find(path + ":1: modparam: unknown module 'nope'"),
              std::string::npos);
    EXPECT_EQ(version_of(*host), ScriptValue{std::string("one")});
}

TEST(ScriptHost, ReportsSettingsThatNeedARestart) {
    TestEnvironment env;
    ScratchDir dir;
    const std::string path = dir.write("tandem.lua", kVersionOne);
    auto host = ScriptHost::start(ScriptSource::file(path), env.environment());
    ASSERT_TRUE(host.ok());

    dir.write("tandem.lua", std::string(kVersionOne) + "listen('tcp:127.0.0.1:5060')\n");
    auto report = host->reload();
    ASSERT_TRUE(report.ok()) << report.error().reason;
    EXPECT_TRUE(report->settings_changed);
    // The server keeps running with what it started with.
    EXPECT_EQ(host->startup_config().listens.size(), 1u);
    EXPECT_EQ(host->engine().config().listens.size(), 2u);
}

TEST(ScriptHost, RefusesToReloadFromInsideARoute) {
    TestEnvironment env;
    ScriptHost* running = nullptr;
    std::string refusal;
    Status added = env.modules.add(ScriptModule{
        .name = "mi_test",
        .functions = {{"reload_routes",
                       {},
                       [&running, &refusal](CallContext&, const Arguments&) -> Result<ScriptValue> {
                           auto report = running->reload();
                           refusal = report.ok() ? "" : report.error().reason;
                           return ScriptValue{report.ok()};
                       }}},
    });
    ASSERT_TRUE(added.ok());
    auto host = ScriptHost::start(ScriptSource::text("inline.lua", R"(
function request_route(msg) end
event_route("E_RELOAD", function(event) return reload_routes() end)
)"),
                                  env.environment());
    ASSERT_TRUE(host.ok()) << host.error().reason;
    running = &*host;
    EXPECT_EQ(host->engine().run_event_route("E_RELOAD", {}).returned, ScriptValue{false});
    EXPECT_EQ(refusal, "cannot reload while a route is running");
    // Between messages it works, with the bundled text loaded again.
    EXPECT_TRUE(host->reload().ok());
    EXPECT_EQ(host->generation(), 2u);
}

TEST(ScriptHost, StartFailsOnABadScript) {
    TestEnvironment env;
    auto host = ScriptHost::start(ScriptSource::text("bad.lua", "x = = 1"), env.environment());
    ASSERT_FALSE(host.ok());
    EXPECT_EQ(host.error().reason.rfind("bad.lua:1:", 0), 0u) << host.error().reason;
}

}  // namespace
}  // namespace tandem::script
