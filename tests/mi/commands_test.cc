#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "events/event_bus.h"
#include "mi/core_commands.h"
#include "mi/event_commands.h"

namespace tandem::mi {
namespace {

// Core commands over fake services that record what they were asked.
class CoreCommandsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        CoreServices services;
        services.version = "tandem test";
        services.started = std::chrono::system_clock::now() - std::chrono::seconds(90);
        services.logger = logger_;
        services.cache = &cache_;
        services.statistics = [this]() -> Result<Statistics> {
            return Statistics{{"tm", "requests_received", received_}};
        };
        services.reset_statistics = [this](const std::vector<std::string>& selectors) -> Status {
            reset_selectors_ = selectors;
            received_ = 0;
            return {};
        };
        services.reload_routes = [this]() -> Status {
            if (reload_fails_) return make_error("worker 1: s.lua:3: syntax error", 500);
            ++reloads_;
            return {};
        };
        services.list_dialogs = [](const std::optional<std::string>& callid) -> Result<Json> {
            Json dialogs = Json::array();
            if (!callid || *callid == "known") dialogs.push_back({{"callid", "known"}});
            return Json{{"Dialogs", dialogs}};
        };
        services.end_dialog = [this](const DialogSelector& which) -> Status {
            ended_ = which;
            if (which.callid && *which.callid != "known") return make_error("no dialog", 404);
            return {};
        };
        ASSERT_TRUE(add_core_commands(registry_, std::move(services)).ok());
    }

    Result<Json> call(std::string_view method, Json params = nullptr) {
        return registry_.call(method, params);
    }

    std::shared_ptr<spdlog::logger> logger_ = std::make_shared<spdlog::logger>(
        "mi-test", std::make_shared<spdlog::sinks::null_sink_mt>());
    script::LocalCache cache_;
    Registry registry_;
    std::uint64_t received_ = 9;
    bool reload_fails_ = false;
    int reloads_ = 0;
    DialogSelector ended_;
    std::vector<std::string> reset_selectors_{"untouched"};
};

TEST_F(CoreCommandsTest, VersionAndUptime) {
    EXPECT_EQ(*call("version"), (Json{{"Server", "tandem test"}}));
    auto uptime = call("uptime");
    ASSERT_TRUE(uptime.ok());
    EXPECT_GE((*uptime)["Up time seconds"].get<int>(), 90);
}

TEST_F(CoreCommandsTest, WhichListsCommandsAndDescribesOne) {
    auto all = call("which");
    ASSERT_TRUE(all.ok());
    EXPECT_NE(std::find(all->begin(), all->end(), "dlg_end_dlg"), all->end());
    auto one = call("which", {{"command", "cache_store"}});
    ASSERT_TRUE(one.ok());
    EXPECT_EQ((*one)["params"][1]["name"], "attr");
    EXPECT_EQ(call("which", {{"command", "nope"}}).error().status, 404);
}

TEST_F(CoreCommandsTest, LogLevelReadsAndSets) {
    logger_->set_level(spdlog::level::info);
    EXPECT_EQ((*call("log_level"))["Log level"], 3);
    auto set = call("log_level", Json::array({"L_DBG"}));
    ASSERT_TRUE(set.ok());
    EXPECT_EQ((*set)["Previous log level"], 3);
    EXPECT_EQ(logger_->level(), spdlog::level::debug);
    ASSERT_TRUE(call("log_level", Json::array({-1})).ok());
    EXPECT_EQ(logger_->level(), spdlog::level::err);
    EXPECT_EQ(call("log_level", Json::array({"loud"})).error().status, kInvalidParams);
}

TEST_F(CoreCommandsTest, StatisticsAndReset) {
    EXPECT_EQ(*call("get_statistics", {{"statistics", "all"}}),
              (Json{{"tm:requests_received", 9}}));
    EXPECT_EQ(call("get_statistics").error().status, kInvalidParams);
    EXPECT_EQ(call("reset_statistics", {{"statistics", "nothing:"}}).error().status, 404);
    EXPECT_EQ(reset_selectors_, std::vector<std::string>{"untouched"});
    ASSERT_TRUE(call("reset_statistics", {{"statistics", "tm:"}}).ok());
    EXPECT_EQ(reset_selectors_, std::vector<std::string>{"tm:"});
    ASSERT_TRUE(call("reset_statistics").ok());
    EXPECT_TRUE(reset_selectors_.empty());
    EXPECT_EQ(*call("get_statistics", Json::array({Json::array({"tm:"})})),
              (Json{{"tm:requests_received", 0}}));
}

TEST_F(CoreCommandsTest, ReloadReportsFailure) {
    ASSERT_TRUE(call("reload_routes").ok());
    EXPECT_EQ(reloads_, 1);
    reload_fails_ = true;
    auto failed = call("reload_routes");
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().reason, "worker 1: s.lua:3: syntax error");
}

TEST_F(CoreCommandsTest, Cache) {
    ASSERT_TRUE(call("cache_store", {{"system", "local"}, {"attr", "k"}, {"value", "v"}}).ok());
    EXPECT_EQ(*call("cache_fetch", {{"system", "local"}, {"attr", "k"}}),
              (Json{{"attr", "k"}, {"value", "v"}}));
    EXPECT_EQ(cache_.fetch("k"), "v");
    ASSERT_TRUE(call("cache_remove", Json::array({"local", "k"})).ok());
    EXPECT_EQ(call("cache_fetch", {{"system", "local"}, {"attr", "k"}}).error().status, 404);
    EXPECT_EQ(call("cache_remove", {{"system", "local"}, {"attr", "k"}}).error().status, 404);
    EXPECT_EQ(
        call("cache_store", {{"system", "redis"}, {"attr", "k"}, {"value", "v"}}).error().status,
        kInvalidParams);
    EXPECT_EQ(
        call("cache_store", {{"system", "local"}, {"attr", "k"}, {"value", "v"}, {"expire", -1}})
            .error()
            .status,
        kInvalidParams);
}

TEST_F(CoreCommandsTest, DialogListAndEnd) {
    EXPECT_EQ((*call("dlg_list"))["Dialogs"].size(), 1u);
    EXPECT_EQ(call("dlg_list", {{"callid", "other"}}).error().status, 404);
    ASSERT_TRUE(call("dlg_end_dlg", {{"callid", "known"}}).ok());
    EXPECT_EQ(ended_.callid, "known");
    EXPECT_EQ(call("dlg_end_dlg", {{"callid", "x"}}).error().status, 404);
    EXPECT_EQ(call("dlg_end_dlg").error().reason, "missing parameter `callid` (or `dialog_id`)");
    ASSERT_TRUE(call("dlg_end_dlg", {{"dialog_id", "1a"}}).ok());
    ASSERT_TRUE(ended_.id.has_value());
    EXPECT_EQ(*ended_.id, 0x1au);
}

TEST(EventCommands, SubscribeListAndUnsubscribe) {
    events::EventBus bus;
    bus.declare("E_TEST", {"a"});
    Registry registry;
    ASSERT_TRUE(add_event_commands(registry, bus).ok());
    EXPECT_EQ((*registry.call("events_list", nullptr))["Events"][0]["name"], "E_TEST");
    ASSERT_TRUE(registry
                    .call("event_subscribe",
                          {{"event", "E_TEST"}, {"socket", "udp:127.0.0.1:9"}, {"expire", 30}})
                    .ok());
    const Json listed = *registry.call("subscribers_list", nullptr);
    ASSERT_EQ(listed["Subscribers"].size(), 1u);
    EXPECT_EQ(listed["Subscribers"][0]["socket"], "udp:127.0.0.1:9");
    EXPECT_EQ(registry.call("event_subscribe", {{"event", "E_NONE"}, {"socket", "udp:127.0.0.1:9"}})
                  .error()
                  .status,
              404);
    EXPECT_EQ(registry.call("event_subscribe", {{"event", "E_TEST"}, {"socket", "tcp:1.2.3.4:5"}})
                  .error()
                  .status,
              kInvalidParams);
    ASSERT_TRUE(
        registry.call("event_subscribe", Json::array({"E_TEST", "udp:127.0.0.1:9", 0})).ok());
    EXPECT_TRUE((*registry.call("subscribers_list", nullptr))["Subscribers"].empty());
}

}  // namespace
}  // namespace tandem::mi
