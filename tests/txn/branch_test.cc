#include "txn/branch.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace tandem::txn {
namespace {

TEST(BranchTest, BranchesCarryTheMagicCookieAndSixteenHexDigits) {
    BranchGenerator generator(1);
    const std::string branch = generator.next();
    ASSERT_EQ(branch.size(), kMagicCookie.size() + 16);
    EXPECT_TRUE(has_magic_cookie(branch));
    for (const char c : branch.substr(kMagicCookie.size())) {
        EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << branch;
    }
}

TEST(BranchTest, BranchesOfOneGeneratorAreUnique) {
    BranchGenerator generator(12345);
    std::set<std::string> seen;
    for (int i = 0; i < 100000; ++i)
        EXPECT_TRUE(seen.insert(generator.next()).second);
}

TEST(BranchTest, DifferentSeedsGiveDifferentSequences) {
    BranchGenerator a(1);
    BranchGenerator b(2);
    EXPECT_NE(a.next(), b.next());
    // Consecutive branches share no obvious prefix beyond the cookie.
    BranchGenerator c(1);
    const std::string first = c.next();
    const std::string second = c.next();
    EXPECT_NE(first.substr(kMagicCookie.size(), 8), second.substr(kMagicCookie.size(), 8));
}

TEST(BranchTest, MagicCookieCheckIsExact) {
    EXPECT_TRUE(has_magic_cookie("z9hG4bK776asdhds"));
    EXPECT_TRUE(has_magic_cookie("z9hG4bK"));
    EXPECT_FALSE(has_magic_cookie("Z9HG4BK776asdhds"));
    EXPECT_FALSE(has_magic_cookie("776asdhds"));
    EXPECT_FALSE(has_magic_cookie(""));
}

TEST(BranchTest, RandomSeedsDiffer) {
    // Two draws from the system source colliding would be a broken source.
    EXPECT_NE(random_seed(), random_seed());
}

}  // namespace
}  // namespace tandem::txn
