// The "local" key-value cache of cache_store / cache_fetch / cache_remove
// (OpenSIPS cachedb_local semantics): string values, an optional expiry per
// key, a bounded number of entries. One instance is shared by every worker and
// by the management interface, so it is thread-safe: keys are spread over
// shards, each with its own mutex. The app owns it and hands it to each engine.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/result.h"

namespace tandem::script {

struct LocalCacheLimits {
    std::size_t max_entries = 100'000;
    std::size_t max_key_bytes = 1024;
    std::size_t max_value_bytes = 64 * 1024;
};

class LocalCache {
  public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    // `clock` tells the time used for expiry; tests inject their own.
    explicit LocalCache(LocalCacheLimits limits = {},
                        Clock clock = &std::chrono::steady_clock::now);
    LocalCache(const LocalCache&) = delete;
    LocalCache& operator=(const LocalCache&) = delete;

    // Stores or replaces `key`. `lifetime` zero keeps the value until it is
    // removed; otherwise fetch stops returning it once the lifetime has
    // passed. Fails when the key or value is too large, or when the cache is
    // full even after dropping expired entries.
    Status store(std::string_view key, std::string_view value,
                 std::chrono::seconds lifetime = std::chrono::seconds::zero());
    // The value, or nullopt when missing or expired.
    std::optional<std::string> fetch(std::string_view key);
    // Whether a live value was removed.
    bool remove(std::string_view key);

    // Entries held, expired ones not yet dropped included.
    std::size_t size() const { return entries_.load(std::memory_order_relaxed); }
    // Drops every expired entry; returns how many. The app may call it from a
    // timer; fetch and store also drop what they find expired.
    std::size_t purge_expired();

    const LocalCacheLimits& limits() const { return limits_; }

  private:
    using TimePoint = std::chrono::steady_clock::time_point;
    struct Entry {
        std::string value;
        std::optional<TimePoint> expires;
    };
    struct KeyHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view key) const {
            return std::hash<std::string_view>{}(key);
        }
    };
    struct Shard {
        std::mutex mutex;
        std::unordered_map<std::string, Entry, KeyHash, std::equal_to<>> entries;
    };
    static constexpr std::size_t kShards = 16;

    Shard& shard_for(std::string_view key);
    static bool expired(const Entry& entry, TimePoint now);
    // Counts one more entry unless the cache is full.
    bool reserve_slot();
    // Drops the shard's expired entries; its mutex must be held.
    std::size_t purge_locked(Shard& shard, TimePoint now);

    LocalCacheLimits limits_;
    Clock clock_;
    std::atomic<std::size_t> entries_{0};
    std::array<Shard, kShards> shards_;
};

}  // namespace tandem::script
