#include "sip/headers.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tandem::sip {
namespace {

template <typename T>
T must(Result<T> result, std::string_view what = {}) {
    EXPECT_TRUE(result.ok()) << what << ": " << (result.ok() ? "" : result.error().reason);
    return result.ok() ? *result : T{};
}

TEST(Via, AllFields) {
    const Via via = must(parse_via(
        "SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;"
        "rport=5067;maddr=224.2.0.1;ttl=16;x-custom=7;hidden"));
    EXPECT_EQ(via.protocol_name, "SIP");
    EXPECT_EQ(via.protocol_version, "2.0");
    EXPECT_EQ(via.transport, "UDP");
    EXPECT_EQ(via.host, "pc33.atlanta.example.com");
    EXPECT_EQ(via.host_kind, HostKind::Name);
    EXPECT_EQ(via.port, 5066);
    EXPECT_EQ(via.branch, "z9hG4bK776asdhds");
    EXPECT_EQ(via.received, "192.0.2.1");
    EXPECT_TRUE(via.has_rport);
    EXPECT_EQ(via.rport, 5067);
    EXPECT_EQ(via.maddr, "224.2.0.1");
    EXPECT_EQ(via.ttl, 16);
    EXPECT_EQ(via.params.get("x-custom"), "7");
    EXPECT_TRUE(via.params.has("hidden"));
}

TEST(Via, RportWithoutValueAndDefaults) {
    const Via via = must(parse_via("SIP/2.0/TCP client.example.com;rport;branch=z9hG4bKx"));
    EXPECT_TRUE(via.has_rport);
    EXPECT_FALSE(via.rport.has_value());
    EXPECT_FALSE(via.port.has_value());
    EXPECT_FALSE(via.received.has_value());
    EXPECT_FALSE(via.maddr.has_value());
    EXPECT_FALSE(via.ttl.has_value());

    const Via plain = must(parse_via("SIP/2.0/TLS 192.0.2.7"));
    EXPECT_FALSE(plain.has_rport);
    EXPECT_TRUE(plain.branch.empty());
    EXPECT_EQ(plain.host_kind, HostKind::IPv4);
}

TEST(Via, IPv6SentByAndReceived) {
    const Via via = must(parse_via(
        "SIP/2.0/UDP [2001:db8::9:1]:6050;branch=z9hG4bKas3;received=2001:db8::9:255;rport=6050"));
    EXPECT_EQ(via.host, "[2001:db8::9:1]");
    EXPECT_EQ(via.host_kind, HostKind::IPv6);
    EXPECT_EQ(via.port, 6050);
    EXPECT_EQ(via.received, "2001:db8::9:255");

    const Via bracketed = must(parse_via("SIP/2.0/UDP [::1];received=[2001:db8::1]"));
    EXPECT_EQ(bracketed.received, "[2001:db8::1]");
}

TEST(Via, WhitespaceAndCaseAsTheGrammarAllows) {
    const Via via =
        must(parse_via("SIP / 2.0 / tcp\r\n  host.example.com : 5070 ; BRANCH = z9hG4bK1"));
    EXPECT_EQ(via.transport, "tcp");
    EXPECT_EQ(via.host, "host.example.com");
    EXPECT_EQ(via.port, 5070);
    EXPECT_EQ(via.branch, "z9hG4bK1");
}

TEST(Via, Rejections) {
    for (std::string_view bad : {
             "",
             "SIP/2.0",
             "SIP/2.0/UDP",
             "SIP/2.0/UDP ",
             "SIP/2.0UDP host",
             "SIP/2.0/UDPhost",
             "SIP/2.0/UDP host:99999",
             "SIP/2.0/UDP host:",
             "SIP/2.0/UDP ho$t",
             "SIP/2.0/UDP [::1",
             "SIP/2.0/UDP host;branch",
             "SIP/2.0/UDP host;branch=\"q\"",
             "SIP/2.0/UDP host;received=not-an-ip",
             "SIP/2.0/UDP host;rport=70000",
             "SIP/2.0/UDP host;ttl=256",
             "SIP/2.0/UDP host;maddr=a..b",
             "SIP/2.0/UDP host junk",
             "SIP/2.0/UDP host, SIP/2.0/UDP other",
         }) {
        EXPECT_FALSE(parse_via(bad).ok()) << '"' << bad << '"';
    }
}

TEST(Via, ListAcrossCommas) {
    std::vector<Via> vias;
    ASSERT_TRUE(parse_via_list("SIP/2.0/UDP a.example.com;branch=z9hG4bK1 ,SIP/2.0/TCP "
                               "[2001:db8::1]:5061;branch=z9hG4bK2,\r\n\tSIP/2.0/TLS b;rport",
                               vias)
                    .ok());
    ASSERT_EQ(vias.size(), 3u);
    EXPECT_EQ(vias[0].host, "a.example.com");
    EXPECT_EQ(vias[0].text, "SIP/2.0/UDP a.example.com;branch=z9hG4bK1");
    EXPECT_EQ(vias[1].transport, "TCP");
    EXPECT_EQ(vias[1].port, 5061);
    EXPECT_EQ(vias[2].transport, "TLS");
    EXPECT_TRUE(vias[2].has_rport);

    vias.clear();
    EXPECT_FALSE(parse_via_list("", vias).ok());
    EXPECT_FALSE(parse_via_list("SIP/2.0/UDP a;branch=1 SIP/2.0/UDP b", vias).ok());
    // On error, what parsed before the bad element stays.
    vias.clear();
    EXPECT_FALSE(parse_via_list("SIP/2.0/UDP a, garbage", vias).ok());
    EXPECT_EQ(vias.size(), 1u);
}

TEST(FromTo, TagAndParams) {
    const FromTo from =
        must(parse_from_to(R"("A. G. Bell" <sip:agb@bell-telephone.com> ;tag=a48s)"));
    EXPECT_EQ(from.display_name, "A. G. Bell");
    EXPECT_EQ(from.uri.user, "agb");
    EXPECT_EQ(from.tag, "a48s");

    const FromTo to = must(parse_from_to("sip:+12125551212@server.phone2net.com;tag=887s;x=1"));
    EXPECT_EQ(to.uri.user, "+12125551212");
    EXPECT_TRUE(to.uri.params.empty());
    EXPECT_EQ(to.tag, "887s");
    EXPECT_EQ(to.params.get("x"), "1");

    const FromTo untagged = must(parse_from_to("Anonymous <sip:c8oqz84zk7z@privacy.org>"));
    EXPECT_TRUE(untagged.tag.empty());

    EXPECT_FALSE(parse_from_to("<sip:a@b>;tag").ok());
    EXPECT_FALSE(parse_from_to("<sip:a@b>;tag=\"x\"").ok());
    EXPECT_FALSE(parse_from_to("<sip:a@b>, <sip:c@d>").ok());
    EXPECT_FALSE(parse_from_to("Bell, Alexander <sip:a.g.bell@example.com>").ok());
}

TEST(CSeq, NumberAndMethod) {
    CSeq cseq = must(parse_cseq("4711 INVITE"));
    EXPECT_EQ(cseq.number, 4711u);
    EXPECT_EQ(cseq.method, Method::Invite);
    EXPECT_EQ(cseq.method_text, "INVITE");

    cseq = must(parse_cseq("  1\t NEWMETHOD  "));
    EXPECT_EQ(cseq.method, Method::Other);
    EXPECT_EQ(cseq.method_text, "NEWMETHOD");

    cseq = must(parse_cseq("4294967295 ACK"));
    EXPECT_EQ(cseq.number, 4294967295u);

    for (std::string_view bad :
         {"", "INVITE", "1", "1INVITE", "-1 INVITE", "4294967296 INVITE", "1 INV ITE", "x1 BYE"}) {
        EXPECT_FALSE(parse_cseq(bad).ok()) << '"' << bad << '"';
    }
}

TEST(Contact, WildcardExpiresAndQ) {
    Contact contact = must(parse_contact("*"));
    EXPECT_TRUE(contact.wildcard);

    contact = must(
        parse_contact("\"Mr. Watson\" <sip:watson@worcester.example.com>;q=0.7; expires=3600"));
    EXPECT_FALSE(contact.wildcard);
    EXPECT_EQ(contact.display_name, "Mr. Watson");
    EXPECT_EQ(contact.q, "0.7");
    EXPECT_EQ(contact.expires, 3600u);

    contact = must(parse_contact("<sip:a@b>;expires=99999999999"));
    EXPECT_EQ(contact.expires, 4294967295u);  // delta-seconds beyond 2^32-1 are capped

    contact = must(parse_contact("sip:a@b;q=1.000"));
    EXPECT_EQ(contact.q, "1.000");
    EXPECT_FALSE(contact.expires.has_value());

    EXPECT_FALSE(parse_contact("<sip:a@b>;q=1.5").ok());
    EXPECT_FALSE(parse_contact("<sip:a@b>;q=0.1234").ok());
    EXPECT_FALSE(parse_contact("<sip:a@b>;expires=soon").ok());
    EXPECT_FALSE(parse_contact("**").ok());
}

TEST(Contact, ListWithCommasInsideQuotesAndBrackets) {
    std::vector<Contact> contacts;
    ASSERT_TRUE(
        parse_contact_list(
            R"("Doe, John" <sip:john,doe@a.example.com>;q=0.5, <sip:b@c>, sip:d@e;expires=5)",
            contacts)
            .ok());
    ASSERT_EQ(contacts.size(), 3u);
    EXPECT_EQ(contacts[0].display_name, "Doe, John");
    EXPECT_EQ(contacts[0].uri.user, "john,doe");
    EXPECT_EQ(contacts[0].q, "0.5");
    EXPECT_EQ(contacts[1].uri.user, "b");
    EXPECT_EQ(contacts[2].expires, 5u);

    contacts.clear();
    ASSERT_TRUE(parse_contact_list(" * ", contacts).ok());
    ASSERT_EQ(contacts.size(), 1u);
    EXPECT_TRUE(contacts[0].wildcard);
}

TEST(NameAddrList, RoutesInOrder) {
    std::vector<NameAddr> routes;
    ASSERT_TRUE(
        parse_name_addr_list("<sip:p1.example.com;lr>,<sip:p2.example.com;lr>", routes).ok());
    ASSERT_EQ(routes.size(), 2u);
    EXPECT_EQ(routes[0].uri.host, "p1.example.com");
    EXPECT_EQ(routes[1].uri.host, "p2.example.com");
    EXPECT_TRUE(routes[1].uri.loose_route());
    routes.clear();
    EXPECT_FALSE(parse_name_addr_list(" , ", routes).ok());
    EXPECT_FALSE(parse_name_addr_list("<sip:a@b", routes).ok());
}

TEST(ContentType, TypeSubtypeParams) {
    const ContentType type = must(parse_content_type("Application / SDP ; charset=\"utf-8\""));
    EXPECT_EQ(type.type, "Application");
    EXPECT_EQ(type.subtype, "SDP");
    EXPECT_TRUE(type.is("application", "sdp"));
    EXPECT_FALSE(type.is("application", "json"));
    EXPECT_EQ(type.params.get("charset"), "utf-8");

    const ContentType multipart =
        must(parse_content_type("multipart/mixed;boundary=7a9cbec02ceef655"));
    EXPECT_EQ(multipart.params.get("boundary"), "7a9cbec02ceef655");

    for (std::string_view bad : {"", "application", "application/", "/sdp", "a/b;", "a/b c"}) {
        EXPECT_FALSE(parse_content_type(bad).ok()) << '"' << bad << '"';
    }
}

TEST(Event, PackageAndId) {
    Event event = must(parse_event("refer;id=93809824"));
    EXPECT_EQ(event.package, "refer");
    EXPECT_EQ(event.id, "93809824");
    event = must(parse_event("presence.winfo"));
    EXPECT_EQ(event.package, "presence.winfo");
    EXPECT_TRUE(event.id.empty());
    EXPECT_FALSE(parse_event("").ok());
    EXPECT_FALSE(parse_event("refer;id").ok());
    EXPECT_FALSE(parse_event("re fer").ok());
}

TEST(Replaces, CallIdAndTags) {
    Replaces replaces =
        must(parse_replaces("425928@bobster.example.org;to-tag=7743;from-tag=6472;early-only"));
    EXPECT_EQ(replaces.call_id, "425928@bobster.example.org");
    EXPECT_EQ(replaces.to_tag, "7743");
    EXPECT_EQ(replaces.from_tag, "6472");
    EXPECT_TRUE(replaces.early_only);

    replaces = must(parse_replaces("98732@sip.example.com ; from-tag=r33th4x0r ; to-tag=ff87ff"));
    EXPECT_FALSE(replaces.early_only);
    EXPECT_EQ(replaces.to_tag, "ff87ff");

    EXPECT_FALSE(parse_replaces("abc;to-tag=1").ok());
    EXPECT_FALSE(parse_replaces("abc;from-tag=1").ok());
    EXPECT_FALSE(parse_replaces(";to-tag=1;from-tag=2").ok());
    EXPECT_FALSE(parse_replaces("a b;to-tag=1;from-tag=2").ok());
}

TEST(Replaces, FromEscapedReferToHeader) {
    // RFC 3891 section 6.1: the Replaces header travels escaped inside Refer-To.
    const auto refer_to = parse_name_addr(
        "<sips:bob@biloxi.example.com?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%"
        "3D5FFE-3994>");
    ASSERT_TRUE(refer_to.ok());
    const auto raw = refer_to->uri.header("replaces");
    ASSERT_TRUE(raw.has_value());
    const std::string decoded = unescape(*raw);
    const Replaces replaces = must(parse_replaces(decoded));
    EXPECT_EQ(replaces.call_id, "12345@192.168.118.3");
    EXPECT_EQ(replaces.to_tag, "12345");
    EXPECT_EQ(replaces.from_tag, "5FFE-3994");
}

TEST(SessionTimers, SessionExpiresAndMinSE) {
    SessionExpires expires = must(parse_session_expires("1800;refresher=uas"));
    EXPECT_EQ(expires.delta, 1800u);
    EXPECT_EQ(expires.refresher, SessionExpires::Refresher::Uas);
    expires = must(parse_session_expires(" 90 ; REFRESHER=UAC"));
    EXPECT_EQ(expires.refresher, SessionExpires::Refresher::Uac);
    expires = must(parse_session_expires("4000"));
    EXPECT_EQ(expires.refresher, SessionExpires::Refresher::Unspecified);
    EXPECT_FALSE(parse_session_expires("1800;refresher=me").ok());
    EXPECT_FALSE(parse_session_expires("soon").ok());

    const MinSE min_se = must(parse_min_se("90;x=1"));
    EXPECT_EQ(min_se.delta, 90u);
    EXPECT_EQ(min_se.params.get("x"), "1");
    EXPECT_FALSE(parse_min_se("").ok());
}

TEST(Numbers, WithinBounds) {
    EXPECT_EQ(must(parse_number(" 70 ", 255)), 70u);
    EXPECT_FALSE(parse_number("256", 255).ok());
    EXPECT_FALSE(parse_number("-1").ok());
    EXPECT_FALSE(parse_number("").ok());
    EXPECT_FALSE(parse_number("1 2").ok());
}

TEST(TokenList, Elements) {
    std::vector<std::string_view> tokens;
    ASSERT_TRUE(parse_token_list("100rel, timer ,replaces", tokens).ok());
    EXPECT_EQ(tokens, (std::vector<std::string_view>{"100rel", "timer", "replaces"}));
    tokens.clear();
    EXPECT_TRUE(parse_token_list("", tokens).ok());  // Supported may be empty
    EXPECT_TRUE(tokens.empty());
    EXPECT_FALSE(parse_token_list("a b", tokens).ok());
    EXPECT_FALSE(parse_token_list("a;b", tokens).ok());
}

}  // namespace
}  // namespace tandem::sip
