#include "sip/syntax.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tandem::sip {
namespace {

std::vector<std::string> names_of(const Params& params) {
    std::vector<std::string> names;
    for (const Param& param : params)
        names.emplace_back(param.name);
    return names;
}

TEST(Params, FindsValuesAndFlagsCaseInsensitively) {
    const Params params(";transport=TCP;lr;Maddr=10.0.0.1");
    EXPECT_EQ(params.get("transport"), "TCP");
    EXPECT_EQ(params.get("LR"), "");
    EXPECT_TRUE(params.has("lr"));
    EXPECT_EQ(params.get("maddr"), "10.0.0.1");
    EXPECT_FALSE(params.get("ttl").has_value());
    EXPECT_EQ(params.size(), 3u);
    const auto lr = params.find("lr");
    ASSERT_TRUE(lr.has_value());
    EXPECT_FALSE(lr->has_value);
}

TEST(Params, SkipsWhitespaceAroundSeparatorsAndEquals) {
    const Params params(" ; tag = abc ;\r\n foo");
    EXPECT_EQ(params.get("tag"), "abc");
    EXPECT_TRUE(params.has("foo"));
    EXPECT_EQ(names_of(params), (std::vector<std::string>{"tag", "foo"}));
}

TEST(Params, QuotedValuesKeepSeparatorsAndEscapes) {
    const Params params(R"(;text="a;b \"c\"";next=1)");
    const auto text = params.find("text");
    ASSERT_TRUE(text.has_value());
    EXPECT_TRUE(text->quoted);
    EXPECT_EQ(text->value, R"(a;b \"c\")");
    EXPECT_EQ(params.get("next"), "1");
}

TEST(Params, AmpersandSeparatedUriHeaders) {
    const Params headers("Replaces=abc%40h&Subject=hi", '&');
    EXPECT_EQ(headers.get("replaces"), "abc%40h");
    EXPECT_EQ(headers.get("subject"), "hi");
    EXPECT_EQ(headers.size(), 2u);
}

TEST(Params, EmptyListHasNothing) {
    const Params params;
    EXPECT_TRUE(params.empty());
    EXPECT_EQ(params.begin(), params.end());
    EXPECT_TRUE(Params(";;").empty());
}

std::vector<std::string> split(std::string_view value, bool* error = nullptr) {
    ValueSplitter splitter(value);
    std::vector<std::string> out;
    while (auto element = splitter.next())
        out.emplace_back(*element);
    if (error != nullptr) *error = splitter.error();
    return out;
}

TEST(ValueSplitter, SplitsOnTopLevelCommasOnly) {
    EXPECT_EQ(split("a, b ,c"), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(split(R"("Doe, John" <sip:j@x>, <sip:k@y;a=1,2>)"),
              (std::vector<std::string>{R"("Doe, John" <sip:j@x>)", "<sip:k@y;a=1,2>"}));
    EXPECT_EQ(split(R"("say \"hi, there\"" <sip:a@b>,sip:c@d)"),
              (std::vector<std::string>{R"("say \"hi, there\"" <sip:a@b>)", "sip:c@d"}));
}

TEST(ValueSplitter, SkipsEmptyElementsAndFolding) {
    EXPECT_EQ(split("a,,\r\n b,"), (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(split("  ").empty());
}

TEST(ValueSplitter, ReportsUnterminatedQuotesAndBrackets) {
    bool error = false;
    split(R"("open, <sip:a@b>)", &error);
    EXPECT_TRUE(error);
    split("<sip:a@b, c", &error);
    EXPECT_TRUE(error);
    split(R"("ends with escaped quote\")", &error);
    EXPECT_TRUE(error);
    split("fine, too", &error);
    EXPECT_FALSE(error);
}

TEST(Syntax, Tokens) {
    EXPECT_TRUE(is_token("INVITE"));
    EXPECT_TRUE(is_token("a-b.c!%*_+`'~"));
    EXPECT_FALSE(is_token(""));
    EXPECT_FALSE(is_token("a b"));
    EXPECT_FALSE(is_token("a;b"));
    EXPECT_FALSE(is_token("\"x\""));
}

TEST(Syntax, UnquoteAndUnescape) {
    EXPECT_EQ(unquote(R"(say \"hi\" \\ now)"), R"(say "hi" \ now)");
    EXPECT_EQ(unescape("a%40b%3Bto-tag%3d1"), "a@b;to-tag=1");
    EXPECT_EQ(unescape("100%"), "100%");
    EXPECT_EQ(unescape("%zz%4"), "%zz%4");
}

TEST(Syntax, EscapedEqual) {
    EXPECT_TRUE(escaped_equal("%61lice", "alice", false));
    EXPECT_FALSE(escaped_equal("%41lice", "alice", false));
    EXPECT_TRUE(escaped_equal("%41lice", "alice", true));
    EXPECT_FALSE(escaped_equal("alice", "alic", false));
    EXPECT_TRUE(escaped_equal("", "", false));
}

}  // namespace
}  // namespace tandem::sip
