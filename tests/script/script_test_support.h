// Helpers shared by the script layer's tests: a scratch directory for script
// files, a log sink that keeps what it receives, a controllable clock, and an
// environment bundle that owns what a ScriptEngine borrows.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "script/engine.h"
#include "script/local_cache.h"
#include "script/module.h"

namespace tandem::script::testing {

// A directory under the test temp dir, removed with the object.
class ScratchDir {
  public:
    ScratchDir() {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        path_ = std::filesystem::path(::testing::TempDir()) /
                ("tandem_script_" + std::string(info->test_suite_name()) + "_" + info->name());
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~ScratchDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    // Writes `text` to `name` in the directory; returns the full path.
    std::string write(const std::string& name, const std::string& text) const {
        const auto file = path_ / name;
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out << text;
        return file.string();
    }

  private:
    std::filesystem::path path_;
};

struct LogRecord {
    spdlog::level::level_enum level;
    std::string text;
};

// Keeps every record it receives.
class CaptureSink : public spdlog::sinks::base_sink<std::mutex> {
  public:
    std::vector<LogRecord> records() {
        std::lock_guard lock(mutex_);
        return records_;
    }
    bool contains(spdlog::level::level_enum level, const std::string& text) {
        for (const LogRecord& record : records()) {
            if (record.level == level && record.text.find(text) != std::string::npos) return true;
        }
        return false;
    }

  protected:
    void sink_it_(const spdlog::details::log_msg& message) override {
        records_.push_back(
            {message.level, std::string(message.payload.data(), message.payload.size())});
    }
    void flush_() override {}

  private:
    std::vector<LogRecord> records_;
};

// A clock the test moves by hand.
class ManualClock {
  public:
    std::chrono::steady_clock::time_point now() const { return now_; }
    void advance(std::chrono::seconds by) { now_ += by; }
    LocalCache::Clock function() {
        return [this] { return now(); };
    }

  private:
    std::chrono::steady_clock::time_point now_{std::chrono::hours(1)};
};

// Owns the registry, cache and logger an engine borrows.
struct TestEnvironment {
    TestEnvironment()
        : sink(std::make_shared<CaptureSink>()),
          logger(std::make_shared<spdlog::logger>("script-test", sink)),
          cache(LocalCacheLimits{}, clock.function()) {
        logger->set_level(spdlog::level::trace);
    }
    EngineEnvironment environment() { return EngineEnvironment{&modules, &cache, logger}; }

    Result<ScriptEngine> load(const std::string& code, const std::string& name = "test.lua") {
        return ScriptEngine::load(ScriptSource::text(name, code), environment());
    }
    std::vector<Diagnostic> check(const std::string& code, const std::string& name = "test.lua") {
        return ScriptEngine::check(ScriptSource::text(name, code), environment());
    }

    ModuleRegistry modules;
    ManualClock clock;
    std::shared_ptr<CaptureSink> sink;
    std::shared_ptr<spdlog::logger> logger;
    LocalCache cache;
};

// The smallest valid script body around `top_level` code.
inline std::string with_request_route(const std::string& top_level,
                                      const std::string& route_body = "") {
    return top_level + "\nfunction request_route(msg)\n" + route_body + "\nend\n";
}

}  // namespace tandem::script::testing
