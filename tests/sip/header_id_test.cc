#include "sip/header_id.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "sip/method.h"

namespace tandem::sip {
namespace {

TEST(HeaderId, EveryCompactFormResolves) {
    const std::pair<char, HeaderId> compact[] = {
        {'i', HeaderId::CallId},
        {'m', HeaderId::Contact},
        {'f', HeaderId::From},
        {'t', HeaderId::To},
        {'v', HeaderId::Via},
        {'l', HeaderId::ContentLength},
        {'c', HeaderId::ContentType},
        {'k', HeaderId::Supported},
        {'s', HeaderId::Subject},
        {'e', HeaderId::ContentEncoding},
        {'o', HeaderId::Event},
        {'u', HeaderId::AllowEvents},
        {'r', HeaderId::ReferTo},
        {'b', HeaderId::ReferredBy},
        {'x', HeaderId::SessionExpires},
        {'a', HeaderId::AcceptContact},
        {'j', HeaderId::RejectContact},
        {'d', HeaderId::RequestDisposition},
        {'y', HeaderId::Identity},
        {'n', HeaderId::IdentityInfo},
    };
    for (const auto& [letter, id] : compact) {
        EXPECT_EQ(header_id(std::string(1, letter)), id) << letter;
        const char upper = static_cast<char>(letter - 'a' + 'A');
        EXPECT_EQ(header_id(std::string(1, upper)), id) << upper;
        EXPECT_EQ(compact_form(id), letter);
    }
    EXPECT_EQ(header_id("g"), HeaderId::Other);
    EXPECT_EQ(header_id("1"), HeaderId::Other);
}

TEST(HeaderId, FullNamesAnyCase) {
    EXPECT_EQ(header_id("Via"), HeaderId::Via);
    EXPECT_EQ(header_id("VIA"), HeaderId::Via);
    EXPECT_EQ(header_id("call-id"), HeaderId::CallId);
    EXPECT_EQ(header_id("CSEQ"), HeaderId::CSeq);
    EXPECT_EQ(header_id("www-authenticate"), HeaderId::WwwAuthenticate);
    EXPECT_EQ(header_id("Record-Route"), HeaderId::RecordRoute);
    EXPECT_EQ(header_id("X-Custom"), HeaderId::Other);
    EXPECT_EQ(header_id("Vias"), HeaderId::Other);
    EXPECT_EQ(header_id(""), HeaderId::Other);
}

TEST(HeaderId, EveryIdRoundTripsThroughItsName) {
    for (std::size_t i = 1; i < kHeaderIdCount; ++i) {
        const auto id = static_cast<HeaderId>(i);
        const std::string_view name = header_name(id);
        ASSERT_FALSE(name.empty()) << i;
        EXPECT_EQ(header_id(name), id) << name;
    }
    EXPECT_EQ(header_name(HeaderId::Other), "");
}

TEST(HeaderId, ListHeaders) {
    EXPECT_TRUE(is_list_header(HeaderId::Via));
    EXPECT_TRUE(is_list_header(HeaderId::Route));
    EXPECT_TRUE(is_list_header(HeaderId::Supported));
    EXPECT_FALSE(is_list_header(HeaderId::From));
    EXPECT_FALSE(is_list_header(HeaderId::WwwAuthenticate));
    EXPECT_FALSE(is_list_header(HeaderId::Date));
}

TEST(Method, TokensAreCaseSensitive) {
    EXPECT_EQ(method_from_token("INVITE"), Method::Invite);
    EXPECT_EQ(method_from_token("MESSAGE"), Method::Message);
    EXPECT_EQ(method_from_token("invite"), Method::Other);
    EXPECT_EQ(method_from_token("NEWMETHOD"), Method::Other);
    EXPECT_EQ(method_name(Method::Subscribe), "SUBSCRIBE");
    EXPECT_EQ(method_name(Method::Other), "");
    for (auto method :
         {Method::Invite, Method::Ack, Method::Bye, Method::Cancel, Method::Register,
          Method::Options, Method::Info, Method::Update, Method::Prack, Method::Subscribe,
          Method::Notify, Method::Refer, Method::Message, Method::Publish}) {
        EXPECT_EQ(method_from_token(method_name(method)), method);
    }
}

TEST(Method, DefaultReasonPhrases) {
    EXPECT_EQ(default_reason_phrase(200), "OK");
    EXPECT_EQ(default_reason_phrase(481), "Call/Transaction Does Not Exist");
    EXPECT_EQ(default_reason_phrase(999), "");
}

}  // namespace
}  // namespace tandem::sip
