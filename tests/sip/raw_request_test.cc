// The line scan that finds what a response copies in a request the parser
// refused, and the response built from it.
#include "sip/raw_request.h"

#include <gtest/gtest.h>

#include <string>

#include "sip/message.h"

namespace tandem::sip {
namespace {

constexpr std::string_view kBroken =
    "INVITE sip:bob@example.com; lr SIP/2.0\r\n"
    "v: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bKone;rport, SIP/2.0/TCP 10.0.0.1\r\n"
    "Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKtwo\r\n"
    "This line has no colon\r\n"
    "f: Alice <sip:alice@example.com>\r\n"
    "  ;tag=folded\r\n"
    "To: \"Bob, B\" <sip:bob@example.com>\r\n"
    "i: call-1\r\n"
    "CSeq: 99999999999 INVITE\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

TEST(RawRequest, FindsWhatAResponseCopiesInABrokenRequest) {
    const auto head = scan_request_head(kBroken);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->method, "INVITE");
    ASSERT_EQ(head->via_lines.size(), 2U);
    EXPECT_EQ(head->top_via.branch, "z9hG4bKone");
    EXPECT_EQ(head->top_via.port, 5070);
    EXPECT_TRUE(head->top_via.has_rport);
    EXPECT_EQ(head->from, "Alice <sip:alice@example.com>\r\n  ;tag=folded");
    EXPECT_EQ(head->to, "\"Bob, B\" <sip:bob@example.com>");
    EXPECT_EQ(head->call_id, "call-1");
    EXPECT_EQ(head->cseq, "99999999999 INVITE");
}

TEST(RawRequest, TheResponseCopiesTheHeadersAndParses) {
    const auto head = scan_request_head(kBroken);
    ASSERT_TRUE(head);
    const std::string text = raw_response(*head, 400, "Bad Request-URI", "tt1");
    auto response = Message::parse(text);
    ASSERT_TRUE(response.ok()) << text;
    EXPECT_EQ(response->first_line(), "SIP/2.0 400 Bad Request-URI");
    ASSERT_TRUE(response->vias().ok());
    EXPECT_EQ(response->vias()->size(), 3U);
    EXPECT_EQ(response->call_id(), "call-1");
    EXPECT_NE(text.find("\r\nTo: \"Bob, B\" <sip:bob@example.com>;tag=tt1\r\n"), std::string::npos);
    EXPECT_NE(text.find("\r\nContent-Length: 0\r\n\r\n"), std::string::npos);
    // A To that has a tag keeps it; a reason with control characters is replaced.
    RawRequestHead tagged = *head;
    tagged.to = "<sip:bob@example.com>;TAG=x";
    const std::string second = raw_response(tagged, 400, "bad\r\nX-Injected: 1", "tt1");
    EXPECT_EQ(second.substr(0, second.find('\r')), "SIP/2.0 400 Bad Request");
    EXPECT_NE(second.find("\r\nTo: <sip:bob@example.com>;TAG=x\r\n"), std::string::npos);
}

TEST(RawRequest, WhatCannotBeAnsweredIsRefused) {
    const std::string ok(kBroken);
    auto without = [&](std::string_view line) {
        std::string text = ok;
        text.erase(text.find(line), line.size());
        return text;
    };
    EXPECT_FALSE(scan_request_head(without("i: call-1\r\n")));
    EXPECT_FALSE(scan_request_head(without("CSeq: 99999999999 INVITE\r\n")));
    EXPECT_FALSE(scan_request_head(without("To: \"Bob, B\" <sip:bob@example.com>\r\n")));
    std::string no_via = without("Via: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKtwo\r\n");
    no_via = no_via.erase(no_via.find("v: "), no_via.find("This") - no_via.find("v: "));
    EXPECT_FALSE(scan_request_head(no_via));
    std::string bad_via = ok;
    bad_via.replace(bad_via.find("SIP/2.0/UDP 192.0.2.10"), 7, "SIP 2.0");
    EXPECT_FALSE(scan_request_head(bad_via));
    std::string ack = ok;
    ack.replace(0, 6, "ACK");
    EXPECT_FALSE(scan_request_head(ack));
    EXPECT_FALSE(scan_request_head("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n\r\n"));
    EXPECT_FALSE(scan_request_head(""));
    EXPECT_FALSE(scan_request_head("garbage"));
    EXPECT_FALSE(scan_request_head(std::string_view("INV\0TE x SIP/2.0\r\n", 18)));
}

TEST(RawRequest, TheHeaderSectionEndsAtTheBlankLine) {
    const std::string text =
        "OPTIONS sip:x SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\nFrom: a\nTo: b\n"
        "Call-ID: c\n\nCSeq: 1 OPTIONS\n";
    EXPECT_FALSE(scan_request_head(text));
    const std::string complete = text.substr(0, text.find("\n\n")) + "\nCSeq: 1 OPTIONS\n\n";
    auto head = scan_request_head(complete);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->cseq, "1 OPTIONS");
}

}  // namespace
}  // namespace tandem::sip
