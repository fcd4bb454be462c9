#include "sip/message.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sip/validate.h"

namespace tandem::sip {
namespace {

// An INVITE as a softphone sends it through one proxy.
constexpr std::string_view kInvite =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK74bf9.1;rport\r\n"
    "Via: SIP/2.0/UDP 198.51.100.7:5062;received=198.51.100.7;branch=z9hG4bK-524287-1\r\n"
    "Max-Forwards: 69\r\n"
    "Route: <sip:192.0.2.20;lr>\r\n"
    "Record-Route: <sip:192.0.2.10;lr>\r\n"
    "Contact: <sip:alice@198.51.100.7:5062;transport=udp>\r\n"
    "To: <sip:bob@biloxi.example.com>\r\n"
    "From: \"Alice\" <sip:alice@atlanta.example.com>;tag=e5d3f2a1\r\n"
    "Call-ID: NzE5YjQ2ZmU4MDBjMjM3ZWJhYjI0ZjUwMWNkMjFhYWY\r\n"
    "CSeq: 2 INVITE\r\n"
    "Allow: INVITE, ACK, CANCEL, BYE\r\n"
    "Supported: replaces, timer\r\n"
    "X-Custom: one\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 13\r\n"
    "\r\n"
    "v=0\r\n"
    "s=call\r\n";

Message must_parse(std::string_view bytes) {
    auto message = Message::parse(bytes);
    EXPECT_TRUE(message.ok()) << (message.ok() ? "" : message.error().reason);
    if (!message.ok()) return std::move(Message::parse(kInvite).value());
    return std::move(message).value();
}

std::string error_of(std::string_view bytes) {
    auto message = Message::parse(bytes);
    return message.ok() ? std::string("(parsed)") : message.error().reason;
}

TEST(MessageParse, RequestLineAndCommonHeaders) {
    const Message m = must_parse(kInvite);
    EXPECT_TRUE(m.is_request());
    EXPECT_FALSE(m.is_response());
    EXPECT_EQ(m.method(), Method::Invite);
    EXPECT_EQ(m.method_text(), "INVITE");
    EXPECT_EQ(m.request_uri_text(), "sip:bob@biloxi.example.com");
    ASSERT_TRUE(m.request_uri());
    EXPECT_EQ(m.request_uri()->user, "bob");
    EXPECT_EQ(m.version(), "SIP/2.0");
    EXPECT_EQ(m.first_line(), "INVITE sip:bob@biloxi.example.com SIP/2.0");
    EXPECT_EQ(m.status_code(), 0);

    EXPECT_EQ(m.header_count(), 15u);
    EXPECT_EQ(m.call_id(), "NzE5YjQ2ZmU4MDBjMjM3ZWJhYjI0ZjUwMWNkMjFhYWY");
    ASSERT_TRUE(m.cseq());
    EXPECT_EQ(m.cseq()->number, 2u);
    EXPECT_EQ(m.cseq()->method, Method::Invite);
    ASSERT_TRUE(m.from());
    EXPECT_EQ(m.from()->tag, "e5d3f2a1");
    EXPECT_EQ(m.from()->display_name, "Alice");
    ASSERT_TRUE(m.to());
    EXPECT_TRUE(m.to()->tag.empty());
    EXPECT_EQ(m.max_forwards().value_or(0), 69u);
    EXPECT_EQ(m.content_length().value_or(0), 13u);
    ASSERT_TRUE(m.content_type());
    EXPECT_TRUE(m.content_type()->is("application", "sdp"));
    EXPECT_EQ(m.body(), "v=0\r\ns=call\r\n");

    const auto vias = m.vias();
    ASSERT_TRUE(vias.ok());
    ASSERT_EQ(vias->size(), 2u);
    EXPECT_EQ((*vias)[0].branch, "z9hG4bK74bf9.1");
    EXPECT_TRUE((*vias)[0].has_rport);
    EXPECT_FALSE((*vias)[0].rport.has_value());
    EXPECT_EQ((*vias)[1].received, "198.51.100.7");
    EXPECT_EQ((*vias)[1].port, 5062);

    const auto routes = m.routes();
    ASSERT_TRUE(routes.ok());
    ASSERT_EQ(routes->size(), 1u);
    EXPECT_TRUE((*routes)[0].uri.loose_route());
    ASSERT_EQ(m.record_routes()->size(), 1u);
    ASSERT_EQ(m.contacts()->size(), 1u);
    EXPECT_EQ((*m.contacts())[0].uri.transport(), "udp");
}

TEST(MessageParse, StatusLine) {
    Message m = must_parse(
        "SIP/2.0 180 Ringing Now\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nContent-Length: "
        "0\r\n\r\n");
    EXPECT_TRUE(m.is_response());
    EXPECT_EQ(m.status_code(), 180);
    EXPECT_EQ(m.reason_phrase(), "Ringing Now");
    EXPECT_EQ(m.method(), Method::Other);
    EXPECT_EQ(m.method_text(), "");
    EXPECT_FALSE(m.request_uri().present());

    m = must_parse("SIP/2.0 100 \r\n\r\n");
    EXPECT_EQ(m.status_code(), 100);
    EXPECT_EQ(m.reason_phrase(), "");
    m = must_parse("SIP/2.0 200\r\n\r\n");
    EXPECT_EQ(m.reason_phrase(), "");

    EXPECT_EQ(error_of("SIP/2.0 4294967301 Big\r\n\r\n"), "Bad status code");
    EXPECT_EQ(error_of("SIP/2.0 099 Low\r\n\r\n"), "Bad status code");
    EXPECT_EQ(error_of("SIP/2.0 700 High\r\n\r\n"), "Bad status code");
    EXPECT_EQ(error_of("SIP/2.0 20 Short\r\n\r\n"), "Bad status code");
    EXPECT_EQ(error_of("SIP/2.0 2000 Long\r\n\r\n"), "Bad status code");
    EXPECT_EQ(error_of("SIP/x 200 OK\r\n\r\n"), "Bad status line");
}

TEST(MessageParse, RequestLineRejections) {
    EXPECT_EQ(error_of("INVITE sip:a@b SIP/2.0 \r\n\r\n"), "Bad request line");  // trailing SP
    EXPECT_EQ(error_of("INVITE  sip:a@b SIP/2.0\r\n\r\n"), "Bad request line");  // double SP
    EXPECT_EQ(error_of("INVITE sip:a@b\r\n\r\n"), "Bad request line");
    EXPECT_EQ(error_of("INVITE sip:a@b HTTP/1.1\r\n\r\n"), "Bad request line");
    EXPECT_EQ(error_of("IN(VITE sip:a@b SIP/2.0\r\n\r\n"), "Bad request method");
    EXPECT_EQ(error_of(" INVITE sip:a@b SIP/2.0\r\n\r\n"), "Bad request method");
    EXPECT_EQ(error_of(""), "Incomplete message");
    EXPECT_EQ(error_of("INVITE sip:a@b SIP/2.0"), "Incomplete message");
    EXPECT_EQ(error_of("INVITE sip:a@b SIP/2.0\r\nTo: <sip:a@b>\r\n"), "Missing end of headers");
}

TEST(MessageParse, UnknownMethodAndOtherVersionStillParse) {
    const Message m = must_parse("NEWMETHOD sip:a@b SIP/7.0\r\n\r\n");
    EXPECT_EQ(m.method(), Method::Other);
    EXPECT_EQ(m.method_text(), "NEWMETHOD");
    EXPECT_EQ(m.version(), "SIP/7.0");
}

TEST(MessageParse, HeaderLineRejections) {
    EXPECT_EQ(error_of("OPTIONS sip:a@b SIP/2.0\r\nNoColon\r\n\r\n"), "Bad header line");
    EXPECT_EQ(error_of("OPTIONS sip:a@b SIP/2.0\r\n: value\r\n\r\n"), "Bad header line");
    EXPECT_EQ(error_of("OPTIONS sip:a@b SIP/2.0\r\n Folded: first\r\n\r\n"), "Bad header line");
    EXPECT_EQ(error_of("OPTIONS sip:a@b SIP/2.0\r\nBad Name: x\r\n\r\n"), "Bad header line");
    // A lone CR inside a value could end the line for another parser.
    EXPECT_EQ(error_of("OPTIONS sip:a@b SIP/2.0\r\nSubject: a\rInjected: b\r\n\r\n"),
              "Bad header line");
    EXPECT_EQ(error_of("OPTIONS sip:a@b SIP/2.0\r\nSubject: a\r\n b\rc\r\n\r\n"),
              "Bad header line");
}

TEST(MessageParse, EveryCompactForm) {
    const Message m = must_parse(
        "INVITE sip:a@b SIP/2.0\r\n"
        "v: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
        "f: <sip:a@b>;tag=1\r\n"
        "t: <sip:c@d>\r\n"
        "i: abc@h\r\n"
        "m: <sip:a@h>\r\n"
        "c: text/plain\r\n"
        "e: gzip\r\n"
        "k: timer\r\n"
        "s: hello\r\n"
        "o: refer;id=3\r\n"
        "u: refer\r\n"
        "r: <sip:x@y>\r\n"
        "b: <sip:z@w>\r\n"
        "x: 1800\r\n"
        "a: *;audio\r\n"
        "j: *;video\r\n"
        "d: proxy\r\n"
        "y: abcdef\r\n"
        "n: <https://h/cert>;alg=rsa-sha1\r\n"
        "l: 2\r\n"
        "\r\n"
        "hi");
    EXPECT_EQ(m.header(HeaderId::Via), "SIP/2.0/UDP h;branch=z9hG4bK1");
    EXPECT_EQ(m.from()->tag, "1");
    EXPECT_EQ(m.to()->uri.user, "c");
    EXPECT_EQ(m.call_id(), "abc@h");
    EXPECT_EQ(m.contacts()->size(), 1u);
    EXPECT_TRUE(m.content_type()->is("text", "plain"));
    EXPECT_EQ(m.header(HeaderId::ContentEncoding), "gzip");
    EXPECT_TRUE(m.has_token(HeaderId::Supported, "timer"));
    EXPECT_EQ(m.header(HeaderId::Subject), "hello");
    EXPECT_EQ(m.event()->id, "3");
    EXPECT_EQ(m.header(HeaderId::AllowEvents), "refer");
    EXPECT_EQ(m.refer_to()->uri.user, "x");
    EXPECT_EQ(m.referred_by()->uri.user, "z");
    EXPECT_EQ(m.session_expires()->delta, 1800u);
    EXPECT_EQ(m.header(HeaderId::AcceptContact), "*;audio");
    EXPECT_EQ(m.header(HeaderId::RejectContact), "*;video");
    EXPECT_EQ(m.header(HeaderId::RequestDisposition), "proxy");
    EXPECT_EQ(m.header(HeaderId::Identity), "abcdef");
    EXPECT_EQ(m.header(HeaderId::IdentityInfo), "<https://h/cert>;alg=rsa-sha1");
    EXPECT_EQ(m.content_length().value_or(0), 2u);
    EXPECT_EQ(m.body(), "hi");
    // Names as written stay available; lookups by any form agree.
    EXPECT_EQ(m.header_at(0).name, "v");
    EXPECT_EQ(m.header_at(0).id, HeaderId::Via);
    EXPECT_EQ(m.header("v"), m.header("VIA"));
    EXPECT_EQ(m.count(HeaderId::Via), 1u);
}

TEST(MessageParse, FoldedHeaderLines) {
    const Message m = must_parse(
        "OPTIONS sip:a@b SIP/2.0\r\n"
        "Subject: I know you're there,\r\n"
        "         pick up the phone\r\n"
        "\t and talk to me!\r\n"
        "Via: SIP/2.0/UDP\r\n"
        "  host.example.com;branch=z9hG4bKfold\r\n"
        "Call-ID: x\r\n"
        "\r\n");
    ASSERT_EQ(m.header_count(), 3u);
    const HeaderView subject = m.header_at(0);
    EXPECT_EQ(subject.value,
              "I know you're there,\r\n         pick up the phone\r\n\t and talk to me!");
    EXPECT_EQ(subject.raw,
              "Subject: I know you're there,\r\n         pick up the phone\r\n\t and talk to "
              "me!\r\n");
    ASSERT_TRUE(m.top_via());
    EXPECT_EQ(m.top_via()->host, "host.example.com");
    EXPECT_EQ(m.top_via()->branch, "z9hG4bKfold");
    EXPECT_EQ(m.call_id(), "x");
}

TEST(MessageParse, QuotedStringsAndAngleBracketsInLists) {
    const Message m = must_parse(
        "REGISTER sip:registrar.example.com SIP/2.0\r\n"
        "Contact: \"Doe, \\\"J\\\"\" <sip:john,doe@a.example.com>;q=0.5, <sip:b@c>\r\n"
        "Contact: sip:d@e;expires=5\r\n"
        "\r\n");
    const auto contacts = m.contacts();
    ASSERT_TRUE(contacts.ok());
    ASSERT_EQ(contacts->size(), 3u);
    EXPECT_EQ(unquote((*contacts)[0].display_name), "Doe, \"J\"");
    EXPECT_EQ((*contacts)[0].uri.user, "john,doe");
    EXPECT_EQ((*contacts)[1].uri.user, "b");
    EXPECT_EQ((*contacts)[2].expires, 5u);
}

TEST(MessageParse, ListsAcrossLinesAndCommasKeepOrder) {
    const Message m = must_parse(
        "BYE sip:a@b SIP/2.0\r\n"
        "Via: SIP/2.0/UDP one;branch=z9hG4bK1, SIP/2.0/TCP two;branch=z9hG4bK2\r\n"
        "Route: <sip:r1;lr>\r\n"
        "Via: SIP/2.0/TLS three;branch=z9hG4bK3\r\n"
        "Route: <sip:r2;lr>,<sip:r3;lr>\r\n"
        "Supported: a, b\r\n"
        "Supported: c\r\n"
        "\r\n");
    const auto vias = m.vias();
    ASSERT_TRUE(vias.ok());
    ASSERT_EQ(vias->size(), 3u);
    EXPECT_EQ((*vias)[0].host, "one");
    EXPECT_EQ((*vias)[1].host, "two");
    EXPECT_EQ((*vias)[2].host, "three");
    EXPECT_EQ(m.top_via()->host, "one");
    const auto routes = m.routes();
    ASSERT_EQ(routes->size(), 3u);
    EXPECT_EQ((*routes)[0].uri.host, "r1");
    EXPECT_EQ((*routes)[2].uri.host, "r3");
    const auto supported = m.tokens(HeaderId::Supported);
    ASSERT_TRUE(supported.ok());
    EXPECT_EQ(*supported, (std::vector<std::string_view>{"a", "b", "c"}));
    EXPECT_EQ(m.count(HeaderId::Via), 2u);
}

TEST(MessageParse, TopViaAloneParsesOnlyTheFirstElement) {
    const Message m = must_parse(
        "SIP/2.0 200 OK\r\n"
        "Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKa;received=2001:db8::2;rport=5070, "
        "garbage\r\n"
        "\r\n");
    const auto top = m.top_via();
    ASSERT_TRUE(top.ok());
    EXPECT_EQ(top->host_kind, HostKind::IPv6);
    EXPECT_EQ(top->rport, 5070);
    EXPECT_FALSE(m.vias().ok());
    EXPECT_EQ(m.vias().error().reason, "Bad Via");
    // Once the whole list failed, the top Via reports it too.
    EXPECT_FALSE(m.top_via().ok());
}

TEST(MessageParse, ContactWildcard) {
    const Message m = must_parse("REGISTER sip:r SIP/2.0\r\nContact: *\r\nExpires: 0\r\n\r\n");
    ASSERT_EQ(m.contacts()->size(), 1u);
    EXPECT_TRUE((*m.contacts())[0].wildcard);
    EXPECT_EQ(m.expires().value_or(99), 0u);
}

TEST(MessageParse, ReferToReplacesAndFriends) {
    const Message m = must_parse(
        "REFER sip:b@h SIP/2.0\r\n"
        "Refer-To: <sip:c@h?Replaces=a1%40h%3Bto-tag%3Dt%3Bfrom-tag%3Df>\r\n"
        "Referred-By: <sip:a@h>;cid=\"20398823.2UWQFN309shb3@referrer.example\"\r\n"
        "Replaces: x@h;to-tag=1;from-tag=2;early-only\r\n"
        "Event: refer\r\n"
        "Session-Expires: 1800;refresher=uac\r\n"
        "Min-SE: 90\r\n"
        "Require: replaces\r\n"
        "Proxy-Require: foo\r\n"
        "Unsupported: bar\r\n"
        "Path: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
        "\r\n");
    ASSERT_TRUE(m.refer_to());
    const auto replaces_header = m.refer_to()->uri.header("Replaces");
    ASSERT_TRUE(replaces_header.has_value());
    const std::string decoded = unescape(*replaces_header);
    const auto embedded = parse_replaces(decoded);
    ASSERT_TRUE(embedded.ok());
    EXPECT_EQ(embedded->call_id, "a1@h");
    EXPECT_EQ(embedded->to_tag, "t");
    EXPECT_EQ(embedded->from_tag, "f");

    EXPECT_EQ(m.referred_by()->params.get("cid"), "20398823.2UWQFN309shb3@referrer.example");
    ASSERT_TRUE(m.replaces());
    EXPECT_TRUE(m.replaces()->early_only);
    EXPECT_EQ(m.event()->package, "refer");
    EXPECT_EQ(m.session_expires()->refresher, SessionExpires::Refresher::Uac);
    EXPECT_EQ(m.min_se()->delta, 90u);
    EXPECT_TRUE(m.has_token(HeaderId::Require, "REPLACES"));
    EXPECT_TRUE(m.has_token(HeaderId::ProxyRequire, "foo"));
    EXPECT_TRUE(m.has_token(HeaderId::Unsupported, "bar"));
    EXPECT_FALSE(m.has_token(HeaderId::Supported, "bar"));
    const auto path = m.name_addrs(HeaderId::Path);
    ASSERT_TRUE(path.ok());
    ASSERT_EQ(path->size(), 2u);
    EXPECT_EQ((*path)[1].uri.host, "p2.example.com");
}

TEST(MessageParse, AbsentAndMalformedHeadersAreDistinct) {
    const Message m =
        must_parse("OPTIONS sip:a@b SIP/2.0\r\nFrom: not an address\r\nCSeq: x OPTIONS\r\n\r\n");
    EXPECT_FALSE(m.to().present());
    EXPECT_FALSE(m.to().ok());
    EXPECT_TRUE(m.to().reason().empty());
    EXPECT_TRUE(m.from().present());
    EXPECT_FALSE(m.from().ok());
    EXPECT_FALSE(m.from().reason().empty());
    EXPECT_FALSE(m.from().error().reason.empty());
    EXPECT_EQ(m.cseq().reason(), "Bad CSeq number");
    EXPECT_EQ(m.max_forwards().value_or(70), 70u);
    EXPECT_TRUE(m.vias().ok());
    EXPECT_TRUE(m.vias()->empty());
    EXPECT_FALSE(m.top_via().present());
    EXPECT_EQ(m.call_id(), "");
}

TEST(MessageParse, StructuredAccessIsCached) {
    const Message m = must_parse(kInvite);
    const FromTo* first = m.from().get();
    const FromTo* second = m.from().get();
    EXPECT_EQ(first, second);
    EXPECT_EQ(m.vias()->data(), m.vias()->data());
}

TEST(MessageParse, UnknownHeadersByName) {
    const Message m = must_parse(
        "OPTIONS sip:a@b SIP/2.0\r\n"
        "X-Trace: 1\r\n"
        "x-trace: 2\r\n"
        "X-Other: 3\r\n"
        "X-TRACE: 4\r\n"
        "\r\n");
    std::vector<std::string_view> values;
    for (const HeaderView line : m.headers("X-Trace"))
        values.push_back(line.value);
    EXPECT_EQ(values, (std::vector<std::string_view>{"1", "2", "4"}));
    EXPECT_EQ(m.header("x-other"), "3");
    EXPECT_TRUE(m.has("X-TRACE"));
    EXPECT_FALSE(m.has("X-Missing"));
    EXPECT_FALSE(m.has(""));
    EXPECT_EQ(m.headers("X-Trace").size(), 3u);
    EXPECT_EQ(m.headers(HeaderId::Other).size(), 4u);
    EXPECT_FALSE(m.header(HeaderId::Via).has_value());
}

TEST(MessageParse, EmptyValuesAndWhitespaceBeforeColon) {
    const Message m = must_parse("OPTIONS sip:a@b SIP/2.0\r\nSubject:\r\nCall-ID  :  x1  \r\n\r\n");
    EXPECT_EQ(m.header(HeaderId::Subject), "");
    EXPECT_EQ(m.call_id(), "x1");
}

TEST(MessageParse, BodyAndContentLength) {
    // A datagram longer than Content-Length is cut to it (RFC 3261 18.3).
    Message m = must_parse("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 5\r\n\r\nhello, and more");
    EXPECT_EQ(m.body(), "hello");
    EXPECT_EQ(m.received_body(), "hello, and more");
    // Shorter than announced: the body is what arrived; validation rejects it.
    m = must_parse("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 50\r\n\r\nhello");
    EXPECT_EQ(m.body(), "hello");
    // No Content-Length (datagram): everything after the blank line.
    m = must_parse("MESSAGE sip:a@b SIP/2.0\r\n\r\nall of it");
    EXPECT_EQ(m.body(), "all of it");
    EXPECT_FALSE(m.content_length().present());
    // Malformed Content-Length: the whole rest, and the header reports it.
    m = must_parse("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: -3\r\n\r\nabc");
    EXPECT_EQ(m.body(), "abc");
    EXPECT_FALSE(m.content_length().ok());
    // A body may hold binary bytes, CR, LF and NUL.
    constexpr char kBinary[] = "INFO sip:a@b SIP/2.0\r\nl: 4\r\n\r\n\0\r\n\xff";
    const std::string binary(kBinary, sizeof kBinary - 1);
    m = must_parse(binary);
    EXPECT_EQ(m.body(), std::string_view("\0\r\n\xff", 4));
}

TEST(MessageParse, BareLineFeedsAndLeadingEmptyLines) {
    const Message m = must_parse(
        "\r\n\r\nOPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\n"
        "Subject: folded\n over\nCall-ID: lf\r\n\nbody");
    EXPECT_EQ(m.first_line(), "OPTIONS sip:a@b SIP/2.0");
    EXPECT_EQ(m.top_via()->branch, "z9hG4bK1");
    EXPECT_EQ(m.header(HeaderId::Subject), "folded\n over");
    EXPECT_EQ(m.call_id(), "lf");
    EXPECT_EQ(m.body(), "body");
}

TEST(MessageParse, HeaderCountIsBounded) {
    std::string many = "OPTIONS sip:a@b SIP/2.0\r\n";
    for (std::size_t i = 0; i < kMaxHeaderLines; ++i)
        many += "X-H: " + std::to_string(i) + "\r\n";
    EXPECT_TRUE(Message::parse(many + "\r\n").ok());
    EXPECT_EQ(error_of(many + "X-H: one too many\r\n\r\n"), "Too many headers");
}

TEST(MessageParse, MessageSizeIsBounded) {
    std::string huge = "OPTIONS sip:a@b SIP/2.0\r\n\r\n";
    huge.resize(kMaxMessageBytes + 1, 'x');
    auto result = Message::parse(huge);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().reason, "Message too large");
    EXPECT_EQ(result.error().status, 513);
}

TEST(MessageParse, ManyHeadersBeyondTheInlineIndex) {
    std::string text = "OPTIONS sip:a@b SIP/2.0\r\n";
    for (int i = 0; i < 40; ++i)
        text += "X-N: " + std::to_string(i) + "\r\n";
    text += "Via: SIP/2.0/UDP late;branch=z9hG4bKlate\r\nCall-ID: late\r\nX-N: 40\r\n\r\n";
    const Message m = must_parse(text);
    EXPECT_EQ(m.header_count(), 43u);
    EXPECT_EQ(m.call_id(), "late");
    EXPECT_EQ(m.top_via()->host, "late");
    EXPECT_EQ(m.headers("X-N").size(), 41u);
    EXPECT_EQ(m.header_at(42).value, "40");
}

TEST(MessageLifetime, ViewsSurviveMoves) {
    Message original = must_parse(kInvite);
    const std::string_view tag = original.from()->tag;
    const std::string_view call_id = original.call_id();
    const Via* top = original.top_via().get();
    const char* body = original.body().data();

    std::vector<Message> messages;
    messages.push_back(std::move(original));
    for (int i = 0; i < 20; ++i)
        messages.push_back(must_parse(kInvite));  // reallocates
    Message moved = std::move(messages.front());

    EXPECT_EQ(tag, "e5d3f2a1");
    EXPECT_EQ(call_id, "NzE5YjQ2ZmU4MDBjMjM3ZWJhYjI0ZjUwMWNkMjFhYWY");
    EXPECT_EQ(moved.from()->tag.data(), tag.data());
    EXPECT_EQ(moved.top_via().get(), top);
    EXPECT_EQ(moved.body().data(), body);
    EXPECT_EQ(top->branch, "z9hG4bK74bf9.1");
}

TEST(MessageLifetime, CloneIsIndependent) {
    const Message original = must_parse(kInvite);
    const Message copy = original.clone();
    EXPECT_EQ(copy.bytes(), original.bytes());
    EXPECT_NE(copy.bytes().data(), original.bytes().data());
    EXPECT_EQ(copy.from()->tag, "e5d3f2a1");
    EXPECT_NE(copy.from()->tag.data(), original.from()->tag.data());
}

TEST(MessageLifetime, AdoptsACallerBuffer) {
    auto buffer = std::make_unique<char[]>(kInvite.size());
    std::copy(kInvite.begin(), kInvite.end(), buffer.get());
    const char* address = buffer.get();
    auto parsed = Message::parse(std::move(buffer), kInvite.size());
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->bytes().data(), address);
    EXPECT_EQ(parsed->cseq()->number, 2u);
}

// Touches every accessor, so any lazily parsed part is parsed.
void touch_everything(const Message& m) {
    (void)m.request_uri();
    (void)m.top_via();
    (void)m.vias();
    (void)m.contacts();
    (void)m.routes();
    (void)m.record_routes();
    (void)m.from();
    (void)m.to();
    (void)m.call_id();
    (void)m.cseq();
    (void)m.max_forwards();
    (void)m.content_length();
    (void)m.expires();
    (void)m.content_type();
    (void)m.event();
    (void)m.refer_to();
    (void)m.referred_by();
    (void)m.replaces();
    (void)m.session_expires();
    (void)m.min_se();
    (void)m.tokens(HeaderId::Supported);
    (void)m.has_token(HeaderId::Require, "x");
    (void)m.name_addrs(HeaderId::Path);
    for (std::size_t i = 0; i < m.header_count(); ++i)
        (void)m.header_at(i);
    (void)validate(m);
    (void)validate(m, ValidationOptions{.require_max_forwards = true, .stream = true});
}

// Deterministic mutations of a valid message: no input makes the parser or
// an accessor misbehave (run under the sanitizers in CI).
TEST(MessageRobustness, MutatedMessagesNeverBreakTheParser) {
    const std::string base(kInvite);
    std::uint32_t state = 12345;
    const auto next = [&state] {
        state = state * 1103515245u + 12345u;
        return state >> 8;
    };
    constexpr std::string_view kInteresting = "\r\n\t ;,:<>\"\\%@[]=?&/0";
    for (int round = 0; round < 3000; ++round) {
        std::string mutated = base;
        const int edits = 1 + static_cast<int>(next() % 4);
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = next() % mutated.size();
            switch (next() % 3) {
                case 0:
                    mutated[at] = kInteresting[next() % kInteresting.size()];
                    break;
                case 1:
                    mutated.erase(at, 1 + next() % 8);
                    break;
                default:
                    mutated.insert(at, 1, static_cast<char>(next() & 0xff));
                    break;
            }
            if (mutated.empty()) mutated = "x";
        }
        auto parsed = Message::parse(mutated);
        if (parsed.ok()) {
            touch_everything(*parsed);
        } else {
            EXPECT_FALSE(parsed.error().reason.empty());
        }
    }
}

TEST(MessageRobustness, EveryPrefixParsesOrFailsCleanly) {
    for (std::size_t size = 0; size <= kInvite.size(); ++size) {
        auto parsed = Message::parse(kInvite.substr(0, size));
        if (parsed.ok()) touch_everything(*parsed);
    }
}

}  // namespace
}  // namespace tandem::sip
