#include "sip/uri.h"

#include <gtest/gtest.h>

#include <string>

namespace tandem::sip {
namespace {

Uri must_parse(std::string_view text) {
    auto uri = parse_uri(text);
    EXPECT_TRUE(uri.ok()) << text << ": " << (uri.ok() ? "" : uri.error().reason);
    return uri.ok() ? *uri : Uri{};
}

TEST(UriParse, FullSipUri) {
    const Uri uri =
        must_parse("sip:alice:secret@atlanta.example.com:5070;transport=tcp;lr?Subject=hi&X=1");
    EXPECT_EQ(uri.scheme, UriScheme::Sip);
    EXPECT_EQ(uri.scheme_text, "sip");
    EXPECT_EQ(uri.user, "alice");
    EXPECT_TRUE(uri.has_password);
    EXPECT_EQ(uri.password, "secret");
    EXPECT_EQ(uri.host, "atlanta.example.com");
    EXPECT_EQ(uri.host_kind, HostKind::Name);
    ASSERT_TRUE(uri.port.has_value());
    EXPECT_EQ(*uri.port, 5070);
    EXPECT_EQ(uri.transport(), "tcp");
    EXPECT_TRUE(uri.loose_route());
    EXPECT_EQ(uri.params.raw(), ";transport=tcp;lr");
    EXPECT_EQ(uri.header("subject"), "hi");
    EXPECT_EQ(uri.header("X"), "1");
    EXPECT_EQ(uri.headers.raw(), "Subject=hi&X=1");
}

TEST(UriParse, MinimalAndSchemes) {
    Uri uri = must_parse("sip:example.com");
    EXPECT_TRUE(uri.user.empty());
    EXPECT_FALSE(uri.port.has_value());
    EXPECT_TRUE(uri.params.empty());
    EXPECT_TRUE(uri.is_sip());

    uri = must_parse("SIPS:Bob@Biloxi.example.com");
    EXPECT_EQ(uri.scheme, UriScheme::Sips);
    EXPECT_EQ(uri.scheme_text, "SIPS");
    EXPECT_EQ(uri.user, "Bob");

    uri = must_parse("tel:+1-201-555-0123;phone-context=example.com");
    EXPECT_EQ(uri.scheme, UriScheme::Tel);
    EXPECT_EQ(uri.user, "+1-201-555-0123");
    EXPECT_EQ(uri.param("phone-context"), "example.com");
    EXPECT_FALSE(uri.is_sip());

    uri = must_parse("urn:service:sos");
    EXPECT_EQ(uri.scheme, UriScheme::Other);
    EXPECT_EQ(uri.scheme_text, "urn");
    EXPECT_EQ(uri.opaque, "service:sos");

    uri = must_parse("soap.beep://192.0.2.103:3002");
    EXPECT_EQ(uri.scheme, UriScheme::Other);
    EXPECT_EQ(uri.opaque, "//192.0.2.103:3002");
}

TEST(UriParse, HostKinds) {
    Uri uri = must_parse("sip:192.0.2.4:5060");
    EXPECT_EQ(uri.host_kind, HostKind::IPv4);
    EXPECT_EQ(uri.host, "192.0.2.4");

    uri = must_parse("sip:alice@[2001:db8::10]:5070;maddr=[2001:db8::1]");
    EXPECT_EQ(uri.host_kind, HostKind::IPv6);
    EXPECT_EQ(uri.host, "[2001:db8::10]");
    EXPECT_EQ(uri.host_address(), "2001:db8::10");
    EXPECT_EQ(uri.port, 5070);
    EXPECT_EQ(uri.maddr(), "[2001:db8::1]");

    uri = must_parse("sip:[::ffff:192.0.2.1]");
    EXPECT_EQ(uri.host_kind, HostKind::IPv6);
    uri = must_parse("sip:[::1]");
    EXPECT_EQ(uri.host_kind, HostKind::IPv6);

    // Looks numeric but is not a dotted quad: a (strange) name.
    uri = must_parse("sip:256.1.1.1");
    EXPECT_EQ(uri.host_kind, HostKind::Name);
    uri = must_parse("sip:host_name.example.com.");
    EXPECT_EQ(uri.host_kind, HostKind::Name);
}

TEST(UriParse, UserPartMayHoldSemicolonsAndEscapes) {
    Uri uri = must_parse("sip:user;par=u%40example.net@example.com");
    EXPECT_EQ(uri.user, "user;par=u%40example.net");
    EXPECT_EQ(uri.host, "example.com");
    EXPECT_TRUE(uri.params.empty());

    uri = must_parse("sip:%61lice@atlanta.com");
    EXPECT_EQ(uri.user, "%61lice");
    EXPECT_EQ(unescape(uri.user), "alice");

    uri = must_parse("sip:alice:@host");
    EXPECT_TRUE(uri.has_password);
    EXPECT_EQ(uri.password, "");
}

TEST(UriParse, ParametersWithAndWithoutValues) {
    const Uri uri = must_parse("sip:h;lr;ttl=15;user=phone;method=INVITE;x-y=%41b");
    EXPECT_EQ(uri.param("lr"), "");
    EXPECT_EQ(uri.param("ttl"), "15");
    EXPECT_EQ(uri.param("user"), "phone");
    EXPECT_EQ(uri.param("METHOD"), "INVITE");
    EXPECT_EQ(uri.param("x-y"), "%41b");
    EXPECT_FALSE(uri.param("maddr").has_value());
    EXPECT_EQ(uri.params.size(), 5u);
}

TEST(UriParse, ReplacesHeaderInReferToUri) {
    const Uri uri = must_parse(
        "sip:bob@biloxi.example.com?Replaces=12345%40atlanta.example.com%3Bto-tag%3D1%3Bfrom-tag%"
        "3D2");
    const auto replaces = uri.header("Replaces");
    ASSERT_TRUE(replaces.has_value());
    EXPECT_EQ(unescape(*replaces), "12345@atlanta.example.com;to-tag=1;from-tag=2");
}

TEST(UriParse, Rejections) {
    for (std::string_view bad : {
             "",
             "sip",
             ":user@host",
             "1sip:host",
             "sip:",
             "sip:@host",
             "sip:user@",
             "sip:user@host:",
             "sip:user@host:65536",
             "sip:user@host:5o60",
             "sip:user@ho st",
             "sip:user@host;",
             "sip:user@host;;lr",
             "sip:user@host;=x",
             "sip:user@host;a=",
             "sip:user@host?",
             "sip:user@host?noequals",
             "sip:user@host?=v",
             "sip:us%4@host",
             "sip:us%zzer@host",
             "sip:user@[2001:db8::1",
             "sip:user@[2001:db8:::1]",
             "sip:user@[1:2:3:4:5:6:7:8:9]",
             "sip:user@[12345::1]",
             "sip:user@a..b",
             "sip:user@.a",
             "sip:user@host\r\n",
             "sip:<user>@host",
             "tel:",
             "tel:+1 555",
             "urn:",
             "urn:has space",
         }) {
        EXPECT_FALSE(parse_uri(bad).ok()) << '"' << bad << '"';
    }
}

TEST(UriParse, ErrorsCarryReasons) {
    auto uri = parse_uri("sip:user@host:99999");
    ASSERT_FALSE(uri.ok());
    EXPECT_EQ(uri.error().reason, "Bad URI port");
    uri = parse_uri("nocolon");
    ASSERT_FALSE(uri.ok());
    EXPECT_EQ(uri.error().reason, "Bad URI scheme");
}

bool equivalent(std::string_view a, std::string_view b) {
    return uri_equivalent(must_parse(a), must_parse(b));
}

// RFC 3261 section 19.1.4: the pairs the section lists as equivalent.
TEST(UriEquivalence, Rfc3261EquivalentExamples) {
    EXPECT_TRUE(
        equivalent("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"));
    EXPECT_TRUE(equivalent("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"));
    EXPECT_TRUE(equivalent("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"));
    EXPECT_TRUE(
        equivalent("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"));
    EXPECT_TRUE(equivalent("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
                           "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"));
    EXPECT_TRUE(equivalent("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
                           "sip:alice@atlanta.com?priority=urgent&subject=project%20x"));
}

// RFC 3261 section 19.1.4: the pairs the section lists as not equivalent.
TEST(UriEquivalence, Rfc3261NotEquivalentExamples) {
    // different usernames
    EXPECT_FALSE(
        equivalent("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"));
    // can resolve to different ports
    EXPECT_FALSE(equivalent("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"));
    // can resolve to different transports
    EXPECT_FALSE(equivalent("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"));
    // can resolve to different port and transports
    EXPECT_FALSE(equivalent("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"));
    // different header component
    EXPECT_FALSE(
        equivalent("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"));
    // even though that's what phone21.boxesbybob.com resolves to
    EXPECT_FALSE(equivalent("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"));
    // equality is not transitive
    EXPECT_FALSE(
        equivalent("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;security=off"));
}

TEST(UriEquivalence, FurtherRules) {
    // Scheme matters.
    EXPECT_FALSE(equivalent("sip:a@h", "sips:a@h"));
    // user, ttl, method and maddr present in only one never match.
    EXPECT_FALSE(equivalent("sip:a@h", "sip:a@h;user=phone"));
    EXPECT_FALSE(equivalent("sip:a@h;ttl=1", "sip:a@h"));
    EXPECT_FALSE(equivalent("sip:a@h;method=BYE", "sip:a@h"));
    EXPECT_FALSE(equivalent("sip:a@h;maddr=1.2.3.4", "sip:a@h"));
    // Parameter order does not matter, parameter values ignore case.
    EXPECT_TRUE(equivalent("sip:a@h;lr;transport=TCP", "sip:a@h;transport=tcp;lr"));
    // Password is compared like the user.
    EXPECT_FALSE(equivalent("sip:a:x@h", "sip:a@h"));
    EXPECT_FALSE(equivalent("sip:a:x@h", "sip:a:X@h"));
    EXPECT_TRUE(equivalent("sip:a:%78@h", "sip:a:x@h"));
    // A URI with a user never matches one without.
    EXPECT_FALSE(equivalent("sip:h", "sip:a@h"));
    // An escaped reserved character is not the character itself.
    EXPECT_FALSE(equivalent("sip:a%3Bb@h", "sip:a;b@h"));
    // Headers: same set, same values.
    EXPECT_FALSE(equivalent("sip:a@h?x=1", "sip:a@h?x=2"));
    EXPECT_FALSE(equivalent("sip:a@h?x=1", "sip:a@h?x=1&y=2"));
    // A repeated parameter counts with its first value: comparison stays
    // reflexive and symmetric.
    EXPECT_TRUE(
        equivalent("sip:h;maddr=1.2.3.4;maddr=5.6.7.8", "sip:h;maddr=1.2.3.4;maddr=5.6.7.8"));
    EXPECT_TRUE(equivalent("sip:h;maddr=1.2.3.4;maddr=5.6.7.8", "sip:h;maddr=1.2.3.4"));
    EXPECT_TRUE(equivalent("sip:a@h?x=1&x=2", "sip:a@h?x=1&x=2"));
    EXPECT_TRUE(equivalent("sip:a@h?x=1&x=2", "sip:a@h?x=1"));
    EXPECT_TRUE(equivalent("sip:a@h?x=1", "sip:a@h?x=1&x=2"));
    // IPv6 host text compares ignoring case.
    EXPECT_TRUE(equivalent("sip:[2001:DB8::1]", "sip:[2001:db8::1]"));
}

TEST(UriEquivalence, TelAndOpaque) {
    EXPECT_TRUE(equivalent("tel:+1-201-555-0123", "tel:+1.201.555.0123"));
    EXPECT_TRUE(equivalent("tel:+12015550123", "tel:+1(201)555-0123"));
    EXPECT_FALSE(equivalent("tel:+12015550123", "tel:+12015550124"));
    EXPECT_FALSE(equivalent("tel:7042;phone-context=a.com", "tel:7042;phone-context=b.com"));
    EXPECT_TRUE(equivalent("tel:7042;phone-context=A.com", "tel:7042;phone-context=a.com"));
    EXPECT_TRUE(equivalent("URN:service:sos", "urn:service:sos"));
    EXPECT_FALSE(equivalent("urn:service:sos", "urn:service:SOS"));
    EXPECT_FALSE(equivalent("urn:service:sos", "tel:112"));
}

NameAddr must_parse_name_addr(std::string_view text) {
    auto name_addr = parse_name_addr(text);
    EXPECT_TRUE(name_addr.ok()) << text << ": " << (name_addr.ok() ? "" : name_addr.error().reason);
    return name_addr.ok() ? *name_addr : NameAddr{};
}

TEST(NameAddr, QuotedDisplayName) {
    const NameAddr a = must_parse_name_addr(
        R"("Bob \"the builder\", Jr." <sip:bob@biloxi.example.com;transport=tcp>;tag=a48s)");
    EXPECT_TRUE(a.display_name_quoted);
    EXPECT_EQ(a.display_name, R"(Bob \"the builder\", Jr.)");
    EXPECT_EQ(unquote(a.display_name), R"(Bob "the builder", Jr.)");
    EXPECT_TRUE(a.bracketed);
    EXPECT_EQ(a.uri.user, "bob");
    EXPECT_EQ(a.uri.transport(), "tcp");
    EXPECT_EQ(a.params.get("tag"), "a48s");
    EXPECT_FALSE(a.uri.params.has("tag"));
}

TEST(NameAddr, TokenDisplayNameAndNone) {
    NameAddr a = must_parse_name_addr("Alice  Smith <sip:alice@atlanta.example.com>");
    EXPECT_FALSE(a.display_name_quoted);
    EXPECT_EQ(a.display_name, "Alice  Smith");
    EXPECT_EQ(a.uri.host, "atlanta.example.com");

    a = must_parse_name_addr("<sip:alice@atlanta.example.com>;expires=60");
    EXPECT_TRUE(a.display_name.empty());
    EXPECT_TRUE(a.bracketed);
    EXPECT_EQ(a.params.get("expires"), "60");

    a = must_parse_name_addr("\"\" <sip:a@b>");
    EXPECT_TRUE(a.display_name_quoted);
    EXPECT_TRUE(a.display_name.empty());
}

TEST(NameAddr, BareAddrSpecParametersBelongToTheHeader) {
    const NameAddr a = must_parse_name_addr("sip:alice@atlanta.example.com;tag=88sja8x;lr");
    EXPECT_FALSE(a.bracketed);
    EXPECT_TRUE(a.uri.params.empty());
    EXPECT_EQ(a.uri.text, "sip:alice@atlanta.example.com");
    EXPECT_EQ(a.params.get("tag"), "88sja8x");
    EXPECT_TRUE(a.params.has("lr"));
}

TEST(NameAddr, AngleBracketsKeepUriParametersAndHeaders) {
    const NameAddr a = must_parse_name_addr(
        "<sip:bob@biloxi.example.com;maddr=239.255.255.1?Replaces=abc%40d%3Bto-tag%3Dx>;q=0.7");
    EXPECT_EQ(a.uri.maddr(), "239.255.255.1");
    EXPECT_TRUE(a.uri.header("Replaces").has_value());
    EXPECT_EQ(a.params.get("q"), "0.7");
}

TEST(NameAddr, IPv6AndLws) {
    const NameAddr a = must_parse_name_addr("  <sip:[2001:db8::9]:5060>  ;  tag = x1  ");
    EXPECT_EQ(a.uri.host_kind, HostKind::IPv6);
    EXPECT_EQ(a.uri.port, 5060);
    EXPECT_EQ(a.params.get("tag"), "x1");
    EXPECT_EQ(a.text, "<sip:[2001:db8::9]:5060>  ;  tag = x1");
}

TEST(NameAddr, Rejections) {
    for (std::string_view bad : {
             "",
             "   ",
             "\"unterminated <sip:a@b>",
             "\"name\" sip:a@b",
             "Bob <sip:a@b",
             "Bob, Alice <sip:a@b>",
             "<sip:a@b> junk",
             "<sip:a@b>;",
             "<sip:a@b>;tag=",
             "<sip:a@b>;tag=\"open",
             "< sip:a@b >",
             "sip:a@b?Subject=x",
             "<sip:a@b>, <sip:c@d>",
             "<not a uri>",
         }) {
        EXPECT_FALSE(parse_name_addr(bad).ok()) << '"' << bad << '"';
    }
}

}  // namespace
}  // namespace tandem::sip
