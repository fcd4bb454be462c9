#include "script/local_cache.h"

namespace tandem::script {

LocalCache::LocalCache(LocalCacheLimits limits, Clock clock)
    : limits_(limits), clock_(std::move(clock)) {}

LocalCache::Shard& LocalCache::shard_for(std::string_view key) {
    return shards_[KeyHash{}(key) % kShards];
}

bool LocalCache::expired(const Entry& entry, TimePoint now) {
    return entry.expires.has_value() && *entry.expires <= now;
}

bool LocalCache::reserve_slot() {
    // Counting before inserting keeps concurrent stores on other shards from
    // pushing the total past the limit.
    if (entries_.fetch_add(1, std::memory_order_relaxed) >= limits_.max_entries) {
        entries_.fetch_sub(1, std::memory_order_relaxed);
        return false;
    }
    return true;
}

std::size_t LocalCache::purge_locked(Shard& shard, TimePoint now) {
    const std::size_t dropped =
        std::erase_if(shard.entries, [now](const auto& item) { return expired(item.second, now); });
    entries_.fetch_sub(dropped, std::memory_order_relaxed);
    return dropped;
}

Status LocalCache::store(std::string_view key, std::string_view value,
                         std::chrono::seconds lifetime) {
    if (key.empty()) return make_error("empty cache key");
    if (key.size() > limits_.max_key_bytes) return make_error("cache key too long");
    if (value.size() > limits_.max_value_bytes) return make_error("cache value too long");
    if (lifetime < std::chrono::seconds::zero()) return make_error("negative cache lifetime");

    const TimePoint now = clock_();
    Entry entry{std::string(value), std::nullopt};
    if (lifetime > std::chrono::seconds::zero()) entry.expires = now + lifetime;

    Shard& shard = shard_for(key);
    std::lock_guard lock(shard.mutex);
    if (auto it = shard.entries.find(key); it != shard.entries.end()) {
        it->second = std::move(entry);
        return {};
    }
    if (!reserve_slot()) {
        // Full: drop expired entries here and in every shard not busy right
        // now (try_lock: waiting for another shard while holding this one
        // could deadlock with a store going the other way).
        purge_locked(shard, now);
        for (Shard& other : shards_) {
            if (&other == &shard) continue;
            std::unique_lock other_lock(other.mutex, std::try_to_lock);
            if (other_lock.owns_lock()) purge_locked(other, now);
        }
        if (!reserve_slot()) return make_error("local cache is full", 503);
    }
    shard.entries.emplace(std::string(key), std::move(entry));
    return {};
}

std::optional<std::string> LocalCache::fetch(std::string_view key) {
    Shard& shard = shard_for(key);
    std::lock_guard lock(shard.mutex);
    const auto it = shard.entries.find(key);
    if (it == shard.entries.end()) return std::nullopt;
    if (expired(it->second, clock_())) {
        shard.entries.erase(it);
        entries_.fetch_sub(1, std::memory_order_relaxed);
        return std::nullopt;
    }
    return it->second.value;
}

bool LocalCache::remove(std::string_view key) {
    Shard& shard = shard_for(key);
    std::lock_guard lock(shard.mutex);
    const auto it = shard.entries.find(key);
    if (it == shard.entries.end()) return false;
    const bool live = !expired(it->second, clock_());
    shard.entries.erase(it);
    entries_.fetch_sub(1, std::memory_order_relaxed);
    return live;
}

std::size_t LocalCache::purge_expired() {
    const TimePoint now = clock_();
    std::size_t dropped = 0;
    for (Shard& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        dropped += purge_locked(shard, now);
    }
    return dropped;
}

}  // namespace tandem::script
