#include "script/local_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "script_test_support.h"

namespace tandem::script {
namespace {

using std::chrono::seconds;
using testing::ManualClock;

TEST(LocalCache, StoresFetchesAndReplaces) {
    LocalCache cache;
    EXPECT_EQ(cache.fetch("missing"), std::nullopt);
    ASSERT_TRUE(cache.store("callid_10.0.0.1", "abc").ok());
    EXPECT_EQ(cache.fetch("callid_10.0.0.1"), "abc");
    ASSERT_TRUE(cache.store("callid_10.0.0.1", "def").ok());
    EXPECT_EQ(cache.fetch("callid_10.0.0.1"), "def");
    EXPECT_EQ(cache.size(), 1u);
}

TEST(LocalCache, RemoveTellsWhetherAValueWasThere) {
    LocalCache cache;
    ASSERT_TRUE(cache.store("k", "v").ok());
    EXPECT_TRUE(cache.remove("k"));
    EXPECT_FALSE(cache.remove("k"));
    EXPECT_EQ(cache.fetch("k"), std::nullopt);
    EXPECT_EQ(cache.size(), 0u);
}

TEST(LocalCache, ValuesExpireAfterTheirLifetime) {
    ManualClock clock;
    LocalCache cache(LocalCacheLimits{}, clock.function());
    ASSERT_TRUE(cache.store("short", "1", seconds(10)).ok());
    ASSERT_TRUE(cache.store("forever", "2").ok());
    clock.advance(seconds(9));
    EXPECT_EQ(cache.fetch("short"), "1");
    clock.advance(seconds(1));
    EXPECT_EQ(cache.fetch("short"), std::nullopt);
    EXPECT_EQ(cache.fetch("forever"), "2");
    // The expired entry was dropped by the fetch that found it.
    EXPECT_EQ(cache.size(), 1u);
}

TEST(LocalCache, RemovingAnExpiredValueReportsNothingRemoved) {
    ManualClock clock;
    LocalCache cache(LocalCacheLimits{}, clock.function());
    ASSERT_TRUE(cache.store("k", "v", seconds(1)).ok());
    clock.advance(seconds(5));
    EXPECT_FALSE(cache.remove("k"));
    EXPECT_EQ(cache.size(), 0u);
}

TEST(LocalCache, StoringAgainRenewsTheLifetime) {
    ManualClock clock;
    LocalCache cache(LocalCacheLimits{}, clock.function());
    ASSERT_TRUE(cache.store("k", "v", seconds(10)).ok());
    clock.advance(seconds(8));
    ASSERT_TRUE(cache.store("k", "w", seconds(10)).ok());
    clock.advance(seconds(8));
    EXPECT_EQ(cache.fetch("k"), "w");
    ASSERT_TRUE(cache.store("k", "x").ok());
    clock.advance(seconds(1000));
    EXPECT_EQ(cache.fetch("k"), "x");
}

TEST(LocalCache, PurgeDropsOnlyExpiredEntries) {
    ManualClock clock;
    LocalCache cache(LocalCacheLimits{}, clock.function());
    for (int i = 0; i < 50; ++i) {
        ASSERT_TRUE(cache.store("k" + std::to_string(i), "v", seconds(i % 2 == 0 ? 5 : 50)).ok());
    }
    clock.advance(seconds(10));
    EXPECT_EQ(cache.purge_expired(), 25u);
    EXPECT_EQ(cache.size(), 25u);
    EXPECT_EQ(cache.fetch("k1"), "v");
}

TEST(LocalCache, RefusesNewKeysWhenFull) {
    ManualClock clock;
    LocalCache cache(LocalCacheLimits{.max_entries = 3}, clock.function());
    ASSERT_TRUE(cache.store("a", "1").ok());
    ASSERT_TRUE(cache.store("b", "2").ok());
    ASSERT_TRUE(cache.store("c", "3", seconds(5)).ok());
    Status full = cache.store("d", "4");
    ASSERT_FALSE(full.ok());
    EXPECT_EQ(full.error().reason, "local cache is full");
    // Replacing an existing key needs no new slot.
    EXPECT_TRUE(cache.store("a", "11").ok());
    // Once "c" has expired its slot is taken back.
    clock.advance(seconds(5));
    EXPECT_TRUE(cache.store("d", "4").ok());
    EXPECT_EQ(cache.size(), 3u);
    EXPECT_EQ(cache.fetch("d"), "4");
}

TEST(LocalCache, EnforcesKeyAndValueLimits) {
    LocalCache cache(LocalCacheLimits{.max_entries = 10, .max_key_bytes = 4, .max_value_bytes = 8});
    EXPECT_FALSE(cache.store("", "v").ok());
    EXPECT_FALSE(cache.store("12345", "v").ok());
    EXPECT_FALSE(cache.store("k", "123456789").ok());
    EXPECT_FALSE(cache.store("k", "v", seconds(-1)).ok());
    EXPECT_TRUE(cache.store("1234", "12345678").ok());
}

TEST(LocalCache, IsSafeToShareBetweenThreads) {
    LocalCache cache(LocalCacheLimits{.max_entries = 1000});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&cache, t] {
            for (int i = 0; i < 500; ++i) {
                const std::string key = "t" + std::to_string(t) + "_" + std::to_string(i);
                (void)cache.store(key, key);
                (void)cache.fetch(key);
                if (i % 3 == 0) cache.remove(key);
            }
        });
    }
    for (std::thread& thread : threads)
        thread.join();
    // Never more entries than the limit, and the count matches what is there.
    EXPECT_LE(cache.size(), 1000u);
    std::size_t present = 0;
    for (int t = 0; t < 4; ++t) {
        for (int i = 0; i < 500; ++i) {
            if (cache.fetch("t" + std::to_string(t) + "_" + std::to_string(i))) ++present;
        }
    }
    EXPECT_EQ(present, cache.size());
}

}  // namespace
}  // namespace tandem::script
