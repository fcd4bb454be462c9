// The functions every script has: xlog / log with OpenSIPS levels, and the
// local cache functions.
#include <gtest/gtest.h>

#include "script/engine.h"
#include "script/log_level.h"
#include "script_test_support.h"

namespace tandem::script {
namespace {

using testing::TestEnvironment;

class ScriptModuleFunctions : public ::testing::Test {
  protected:
    // Runs `body` as an event route (no message needed); returns the outcome.
    RouteOutcome run(const std::string& body) {
        auto engine =
            env.load("function request_route(msg) end\nevent_route('E_RUN', function(event)\n" +
                     body + "\nend)\n");
        EXPECT_TRUE(engine.ok()) << engine.error().reason;
        if (!engine.ok()) return RouteOutcome{RouteStatus::ScriptError, {}, "load failed", {}};
        return engine->run_event_route("E_RUN", {});
    }

    TestEnvironment env;
};

TEST_F(ScriptModuleFunctions, XlogUsesOpensipsLevels) {
    RouteOutcome outcome = run(R"(
xlog("default level")
xlog("L_ALERT", "alert")
xlog("L_CRIT", "crit")
xlog(L_ERR, "error")
xlog("L_WARN", "warning")
xlog(L_NOTICE, "notice")
xlog("L_INFO", "info")
xlog("L_DBG", "debug")
xlog(42)
)");
    ASSERT_EQ(outcome.status, RouteStatus::Completed) << outcome.error;
    const auto records = env.sink->records();
    ASSERT_EQ(records.size(), 9u);
    const std::vector<std::pair<spdlog::level::level_enum, std::string>> expected = {
        {spdlog::level::err, "default level"},
        {spdlog::level::critical, "alert"},
        {spdlog::level::critical, "crit"},
        {spdlog::level::err, "error"},
        {spdlog::level::warn, "warning"},
        {spdlog::level::info, "notice"},
        {spdlog::level::info, "info"},
        {spdlog::level::debug, "debug"},
        {spdlog::level::err, "42"},
    };
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(records[i].level, expected[i].first) << i;
        EXPECT_EQ(records[i].text, expected[i].second) << i;
    }
}

TEST_F(ScriptModuleFunctions, LogTakesNamesOrNumbers) {
    RouteOutcome outcome = run(R"(
log(L_WARN, "by constant")
log(-1, "by number")
log(4, "debug by number")
)");
    ASSERT_EQ(outcome.status, RouteStatus::Completed) << outcome.error;
    EXPECT_TRUE(env.sink->contains(spdlog::level::warn, "by constant"));
    EXPECT_TRUE(env.sink->contains(spdlog::level::err, "by number"));
    EXPECT_TRUE(env.sink->contains(spdlog::level::debug, "debug by number"));
}

TEST_F(ScriptModuleFunctions, UnknownLevelsAreErrors) {
    EXPECT_EQ(run("xlog('L_LOUD', 'x')").error,
              "test.lua:3: xlog: unknown log level 'L_LOUD' (use L_ALERT, L_CRIT, L_ERR, L_WARN, "
              "L_NOTICE, L_INFO or L_DBG)");
    EXPECT_EQ(run("log(0, 'x')").error.rfind("test.lua:3: log: unknown log level 0", 0), 0u);
    EXPECT_EQ(run("log('x')").error,
              "test.lua:3: log: argument 2 (text) must be a string (got nil)");
}

TEST_F(ScriptModuleFunctions, XlogWorksAtTheTopLevel) {
    auto engine = env.load("xlog('L_INFO', 'loading')\nfunction request_route(msg) end");
    ASSERT_TRUE(engine.ok()) << engine.error().reason;
    EXPECT_TRUE(env.sink->contains(spdlog::level::info, "loading"));
}

TEST_F(ScriptModuleFunctions, CacheStoreFetchRemove) {
    RouteOutcome outcome = run(R"(
assert(cache_fetch("local", "callid_10.0.0.1") == nil)
assert(cache_store("local", "callid_10.0.0.1", "abc") == true)
assert(cache_fetch("local", "callid_10.0.0.1") == "abc")
assert(cache_store("local", "counter", 5) == true)
assert(cache_fetch("local", "counter") == "5")
assert(cache_remove("local", "counter") == true)
assert(cache_remove("local", "counter") == false)
return cache_fetch("local", "counter")
)");
    ASSERT_EQ(outcome.status, RouteStatus::Completed) << outcome.error;
    EXPECT_EQ(outcome.returned, ScriptValue{});
    // The cache is the app's: C++ sees what the script stored.
    EXPECT_EQ(env.cache.fetch("callid_10.0.0.1"), "abc");
}

TEST_F(ScriptModuleFunctions, CacheValuesExpire) {
    auto engine = env.load(R"(
function request_route(msg) end
event_route("E_STORE", function(event) return cache_store("local", "k", "v", 30) end)
event_route("E_FETCH", function(event) return cache_fetch("local", "k") end)
)");
    ASSERT_TRUE(engine.ok()) << engine.error().reason;
    EXPECT_EQ(engine->run_event_route("E_STORE", {}).returned, ScriptValue{true});
    env.clock.advance(std::chrono::seconds(29));
    EXPECT_EQ(engine->run_event_route("E_FETCH", {}).returned, ScriptValue{std::string("v")});
    env.clock.advance(std::chrono::seconds(1));
    EXPECT_EQ(engine->run_event_route("E_FETCH", {}).returned, ScriptValue{});
}

TEST_F(ScriptModuleFunctions, CacheMisuseIsAnError) {
    EXPECT_EQ(run("cache_store('redis', 'k', 'v')").error,
              "test.lua:3: cache_store: unknown cache 'redis' (only \"local\" exists)");
    EXPECT_EQ(run("cache_store('local', 'k', 'v', -5)").error,
              "test.lua:3: cache_store: argument 4 (expire) must not be negative");
    EXPECT_EQ(run("cache_fetch('local')").error,
              "test.lua:3: cache_fetch: argument 2 (key) must be a string (got nil)");
}

TEST_F(ScriptModuleFunctions, FullCacheIsAFalseResultAndAWarning) {
    LocalCache small(LocalCacheLimits{.max_entries = 1});
    auto engine = ScriptEngine::load(ScriptSource::text("test.lua", R"(
function request_route(msg) end
event_route("E_RUN", function(event)
  assert(cache_store("local", "a", "1"))
  return cache_store("local", "b", "2")
end)
)"),
                                     EngineEnvironment{&env.modules, &small, env.logger});
    ASSERT_TRUE(engine.ok()) << engine.error().reason;
    EXPECT_EQ(engine->run_event_route("E_RUN", {}).returned, ScriptValue{false});
    EXPECT_TRUE(env.sink->contains(spdlog::level::warn, "cache_store: local cache is full"));
}

TEST(LogLevels, MapBothWays) {
    for (ScriptLogLevel level : kScriptLogLevels) {
        EXPECT_EQ(log_level_from_name(log_level_name(level)), level);
    }
    EXPECT_EQ(log_level_from_number(-3), ScriptLogLevel::Alert);
    EXPECT_EQ(log_level_from_number(1), ScriptLogLevel::Warn);
    EXPECT_EQ(log_level_from_number(4), ScriptLogLevel::Debug);
    EXPECT_EQ(log_level_from_number(0), std::nullopt);
    EXPECT_EQ(log_level_from_name("l_err"), std::nullopt);
    EXPECT_EQ(to_spdlog_level(ScriptLogLevel::Notice), spdlog::level::info);
}

}  // namespace
}  // namespace tandem::script
