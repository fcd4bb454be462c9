#include "base/strings.h"

#include <gtest/gtest.h>

namespace tandem {
namespace {

TEST(Strings, CaseInsensitiveEquality) {
    EXPECT_TRUE(iequals("Call-ID", "call-id"));
    EXPECT_FALSE(iequals("Call-ID", "Call-IDs"));
    EXPECT_FALSE(iequals("To", "Tp"));
}

TEST(Strings, Trim) {
    EXPECT_EQ(trim("  \tabc \r\n"), "abc");
    EXPECT_EQ(trim("   "), "");
}

TEST(Strings, ParseUint) {
    EXPECT_EQ(parse_uint("0"), 0u);
    EXPECT_EQ(parse_uint("4294967295"), 4294967295u);
    EXPECT_FALSE(parse_uint("4294967296").has_value());
    EXPECT_FALSE(parse_uint("").has_value());
    EXPECT_FALSE(parse_uint("-1").has_value());
    EXPECT_FALSE(parse_uint("12a").has_value());
}

}  // namespace
}  // namespace tandem
