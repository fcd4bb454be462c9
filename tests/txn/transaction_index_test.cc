#include "txn/transaction_index.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <utility>

namespace tandem::txn {
namespace {

constexpr auto any = [](std::uint32_t) { return true; };

TEST(TransactionIndexTest, FindsWhatWasInsertedAndNothingElse) {
    TransactionIndex index;
    index.insert(11, 1);
    index.insert(22, 2);
    EXPECT_EQ(index.find(11, any), 1U);
    EXPECT_EQ(index.find(22, any), 2U);
    EXPECT_EQ(index.find(33, any), TransactionIndex::kNoSlot);
    EXPECT_EQ(index.size(), 2U);
}

TEST(TransactionIndexTest, EntriesSharingAHashAreTellApartByTheCallersCheck) {
    TransactionIndex index;
    index.insert(7, 1);
    index.insert(7, 2);
    index.insert(7, 3);
    EXPECT_EQ(index.find(7, [](std::uint32_t slot) { return slot == 2; }), 2U);
    EXPECT_EQ(index.find(7, [](std::uint32_t slot) { return slot == 3; }), 3U);
    EXPECT_EQ(index.find(7, [](std::uint32_t) { return false; }), TransactionIndex::kNoSlot);
    EXPECT_TRUE(index.erase(7, 2));
    EXPECT_FALSE(index.erase(7, 2));
    EXPECT_EQ(index.find(7, [](std::uint32_t slot) { return slot == 2; }),
              TransactionIndex::kNoSlot);
    EXPECT_EQ(index.find(7, [](std::uint32_t slot) { return slot == 3; }), 3U);
}

TEST(TransactionIndexTest, ErasingInTheMiddleOfAProbeRunKeepsTheRestFindable) {
    TransactionIndex index(8);
    // Hashes with the same home position (capacity 8 after folding) collide.
    const std::uint64_t same_home[] = {0, 8, 16, 24};
    for (std::uint32_t i = 0; i < 4; ++i)
        index.insert(same_home[i], i);
    EXPECT_TRUE(index.erase(8, 1));
    EXPECT_EQ(index.find(0, any), 0U);
    EXPECT_EQ(index.find(16, any), 2U);
    EXPECT_EQ(index.find(24, any), 3U);
    EXPECT_EQ(index.find(8, any), TransactionIndex::kNoSlot);
}

TEST(TransactionIndexTest, GrowsAndKeepsAtMostHalfFull) {
    TransactionIndex index(8);
    for (std::uint32_t i = 0; i < 1000; ++i)
        index.insert(i * 0x9e3779b97f4a7c15ULL, i);
    EXPECT_EQ(index.size(), 1000U);
    EXPECT_GE(index.capacity(), 2000U);
    for (std::uint32_t i = 0; i < 1000; ++i) {
        EXPECT_EQ(index.find(i * 0x9e3779b97f4a7c15ULL, any), i);
    }
}

TEST(TransactionIndexTest, AgreesWithAReferenceUnderRandomInsertsAndErases) {
    TransactionIndex index(8);
    std::set<std::pair<std::uint64_t, std::uint32_t>> reference;
    std::mt19937_64 random(3);
    std::uint32_t next_slot = 0;
    for (int round = 0; round < 20000; ++round) {
        // Few distinct hashes, so collisions and long runs are common.
        const std::uint64_t hash = random() % 64;
        if (random() % 3 != 0 || reference.empty()) {
            index.insert(hash, next_slot);
            reference.emplace(hash, next_slot);
            ++next_slot;
        } else {
            auto victim = reference.begin();
            std::advance(victim, static_cast<long>(random() % reference.size()));
            EXPECT_TRUE(index.erase(victim->first, victim->second));
            reference.erase(victim);
        }
    }
    EXPECT_EQ(index.size(), reference.size());
    for (const auto& [hash, slot] : reference) {
        const std::uint32_t wanted = slot;
        EXPECT_EQ(index.find(hash, [wanted](std::uint32_t s) { return s == wanted; }), wanted);
    }
}

}  // namespace
}  // namespace tandem::txn
