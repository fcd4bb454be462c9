#include "base/result.h"

#include <gtest/gtest.h>

#include <string>

namespace tandem {
namespace {

Result<int> half(int n) {
    if (n % 2 != 0) return make_error("odd number");
    return n / 2;
}

TEST(Result, HoldsValueOrError) {
    auto good = half(8);
    ASSERT_TRUE(good.ok());
    EXPECT_EQ(*good, 4);
    auto bad = half(3);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().reason, "odd number");
    EXPECT_EQ(bad.error().status, 400);
    EXPECT_EQ(bad.value_or(-1), -1);
}

TEST(Result, VoidStatus) {
    Status fine;
    EXPECT_TRUE(fine.ok());
    Status broken = make_error("Too Many Hops", 483);
    EXPECT_FALSE(broken.ok());
    EXPECT_EQ(broken.error().status, 483);
}

TEST(Result, MovesOutValue) {
    Result<std::string> r = std::string(100, 'x');
    std::string taken = std::move(r).value();
    EXPECT_EQ(taken.size(), 100u);
}

}  // namespace
}  // namespace tandem
