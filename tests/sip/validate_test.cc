#include "sip/validate.h"

#include <gtest/gtest.h>

#include <string>

namespace tandem::sip {
namespace {

// A valid request, and ways to spoil it one header at a time.
struct RequestParts {
    std::string first_line = "OPTIONS sip:bob@biloxi.example.com SIP/2.0";
    std::string via = "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bKnashds8\r\n";
    std::string max_forwards = "Max-Forwards: 70\r\n";
    std::string to = "To: <sip:bob@biloxi.example.com>\r\n";
    std::string from = "From: <sip:alice@atlanta.example.com>;tag=1928301774\r\n";
    std::string call_id = "Call-ID: a84b4c76e66710\r\n";
    std::string cseq = "CSeq: 63104 OPTIONS\r\n";
    std::string extra;
    std::string content_length = "Content-Length: 0\r\n";
    std::string body;

    std::string text() const {
        return first_line + "\r\n" + via + max_forwards + to + from + call_id + cseq + extra +
               content_length + "\r\n" + body;
    }
};

Status check(const RequestParts& parts, ValidationOptions options = {}) {
    auto message = Message::parse(parts.text());
    EXPECT_TRUE(message.ok()) << (message.ok() ? "" : message.error().reason);
    if (!message.ok()) return message.error();
    return validate(*message, options);
}

std::string reason(const RequestParts& parts, ValidationOptions options = {}) {
    const Status status = check(parts, options);
    return status.ok() ? std::string("(valid)") : status.error().reason;
}

TEST(ValidateRequest, AcceptsAWellFormedRequest) {
    const RequestParts parts;
    EXPECT_TRUE(check(parts).ok());
    EXPECT_TRUE(check(parts, {.require_max_forwards = true, .stream = true}).ok());
}

TEST(ValidateRequest, MissingMandatoryHeaders) {
    RequestParts parts;
    parts.via.clear();
    EXPECT_EQ(reason(parts), "Missing Via");
    parts = {};
    parts.from.clear();
    EXPECT_EQ(reason(parts), "Missing From");
    parts = {};
    parts.to.clear();
    EXPECT_EQ(reason(parts), "Missing To");
    parts = {};
    parts.call_id.clear();
    EXPECT_EQ(reason(parts), "Missing Call-ID");
    parts = {};
    parts.cseq.clear();
    EXPECT_EQ(reason(parts), "Missing CSeq");
}

TEST(ValidateRequest, MaxForwardsMayBeAbsentUnlessRequired) {
    RequestParts parts;
    parts.max_forwards.clear();
    EXPECT_TRUE(check(parts).ok());  // RFC 3261 16.6: the proxy adds one
    EXPECT_EQ(reason(parts, {.require_max_forwards = true}), "Missing Max-Forwards");
    parts.max_forwards = "Max-Forwards: seventy\r\n";
    EXPECT_EQ(reason(parts), "Bad Max-Forwards");
    parts.max_forwards = "Max-Forwards: 256\r\n";
    EXPECT_EQ(reason(parts), "Bad Max-Forwards");
    parts.max_forwards = "Max-Forwards: 0\r\n";
    EXPECT_TRUE(check(parts).ok());  // zero is valid; answering 483 is the proxy's call
    parts.max_forwards = "Max-Forwards: 70\r\nMax-Forwards: 69\r\n";
    EXPECT_EQ(reason(parts), "Multiple Max-Forwards headers");
}

TEST(ValidateRequest, MalformedHeaders) {
    RequestParts parts;
    parts.via = "Via: SIP/2.0/UDP\r\n";
    EXPECT_EQ(reason(parts), "Bad Via");
    parts = {};
    parts.from = "From: Bell, Alexander <sip:a.g.bell@example.com>;tag=43\r\n";
    EXPECT_EQ(reason(parts), "Bad From");
    parts = {};
    parts.to = "To: \"Mr. J. User <sip:j.user@example.com>\r\n";
    EXPECT_EQ(reason(parts), "Bad To");
    parts = {};
    parts.call_id = "Call-ID: has space\r\n";
    EXPECT_EQ(reason(parts), "Bad Call-ID");
    parts = {};
    parts.cseq = "CSeq: OPTIONS\r\n";
    EXPECT_EQ(reason(parts), "Bad CSeq");
    parts = {};
    parts.extra = "Contact: <sip:a@b>;expires=x\r\n";
    EXPECT_EQ(reason(parts), "Bad Contact");
    parts = {};
    parts.extra = "Route: sip:a@b?x=y\r\n";
    EXPECT_EQ(reason(parts), "Bad Route");
    parts = {};
    parts.extra = "Record-Route: <sip:a@b\r\n";
    EXPECT_EQ(reason(parts), "Bad Record-Route");
    parts = {};
    parts.extra = "Content-Type: text\r\n";
    EXPECT_EQ(reason(parts), "Bad Content-Type");
}

TEST(ValidateRequest, SingleValueHeadersAppearOnce) {
    RequestParts parts;
    parts.extra = "From: <sip:x@y>;tag=2\r\n";
    EXPECT_EQ(reason(parts), "Multiple From headers");
    parts.extra = "t: <sip:x@y>\r\n";
    EXPECT_EQ(reason(parts), "Multiple To headers");
    parts.extra = "i: other\r\n";
    EXPECT_EQ(reason(parts), "Multiple Call-ID headers");
    parts.extra = "CSeq: 1 OPTIONS\r\n";
    EXPECT_EQ(reason(parts), "Multiple CSeq headers");
    parts.extra = "l: 0\r\n";
    EXPECT_EQ(reason(parts), "Multiple Content-Length headers");
}

TEST(ValidateRequest, CSeqRules) {
    RequestParts parts;
    parts.cseq = "CSeq: 2147483647 OPTIONS\r\n";
    EXPECT_TRUE(check(parts).ok());
    parts.cseq = "CSeq: 2147483648 OPTIONS\r\n";
    EXPECT_EQ(reason(parts), "CSeq number too large");
    parts.cseq = "CSeq: 4294967296 OPTIONS\r\n";
    EXPECT_EQ(reason(parts), "Bad CSeq");
    parts.cseq = "CSeq: 1 INVITE\r\n";
    EXPECT_EQ(reason(parts), "CSeq method does not match request method");
    parts.cseq = "CSeq: 1 options\r\n";  // methods are case-sensitive
    EXPECT_EQ(reason(parts), "CSeq method does not match request method");
    // ACK and CANCEL carry their own method in CSeq too.
    parts.first_line = "ACK sip:bob@biloxi.example.com SIP/2.0";
    parts.cseq = "CSeq: 1 INVITE\r\n";
    EXPECT_EQ(reason(parts), "CSeq method does not match request method");
    parts.cseq = "CSeq: 1 ACK\r\n";
    EXPECT_TRUE(check(parts).ok());
    parts.first_line = "CANCEL sip:bob@biloxi.example.com SIP/2.0";
    parts.cseq = "CSeq: 1 CANCEL\r\n";
    EXPECT_TRUE(check(parts).ok());
    parts.first_line = "NEWMETHOD sip:bob@biloxi.example.com SIP/2.0";
    parts.cseq = "CSeq: 1 NEWMETHOD\r\n";
    EXPECT_TRUE(check(parts).ok());
}

TEST(ValidateRequest, VersionAndRequestUri) {
    RequestParts parts;
    parts.first_line = "OPTIONS sip:bob@biloxi.example.com SIP/7.0";
    const Status status = check(parts);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().reason, "Version Not Supported");
    EXPECT_EQ(status.error().status, 505);
    parts.first_line = "OPTIONS sip:bob@biloxi.example.com sip/2.0";
    EXPECT_TRUE(check(parts).ok());
    parts.first_line = "OPTIONS <sip:bob@biloxi.example.com> SIP/2.0";
    EXPECT_EQ(reason(parts), "Bad Request-URI");
    parts.first_line = "OPTIONS sip:bob@biloxi.example.com?Route=%3Csip:x%3E SIP/2.0";
    EXPECT_EQ(reason(parts), "Bad Request-URI");
    parts.first_line = "OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0";
    EXPECT_TRUE(check(parts).ok());  // 416 or not is the application's decision
}

TEST(ValidateRequest, ContentLengthAgainstTheBody) {
    RequestParts parts;
    parts.extra = "Content-Type: text/plain\r\n";
    parts.content_length = "Content-Length: 5\r\n";
    parts.body = "hello";
    EXPECT_TRUE(check(parts).ok());
    parts.body = "hello and more";  // longer datagram: truncated, fine
    EXPECT_TRUE(check(parts).ok());
    parts.body = "hel";
    EXPECT_EQ(reason(parts), "Content-Length larger than body");
    parts.content_length = "Content-Length: -3\r\n";
    EXPECT_EQ(reason(parts), "Bad Content-Length");
    parts.content_length.clear();
    EXPECT_TRUE(check(parts).ok());  // a datagram may leave it out
    EXPECT_EQ(reason(parts, {.stream = true}), "Missing Content-Length");
    parts = {};
    parts.content_length = "Content-Length: 4\r\n";
    parts.body = "text";
    EXPECT_EQ(reason(parts), "Missing Content-Type");
}

TEST(ValidateResponse, CommonRulesWithoutRequestOnes) {
    const std::string response =
        "SIP/2.0 200 OK\r\n"
        "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bKnashds8\r\n"
        "To: <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
        "From: <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
        "Call-ID: a84b4c76e66710\r\n"
        "CSeq: 314159 INVITE\r\n"
        "Content-Length: 0\r\n"
        "\r\n";
    auto message = Message::parse(response);
    ASSERT_TRUE(message.ok());
    EXPECT_TRUE(validate_response(*message).ok());
    EXPECT_TRUE(validate(*message, {.require_max_forwards = true}).ok());

    auto no_call_id = Message::parse(
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
        "To: <sip:a@b>\r\nFrom: <sip:c@d>;tag=1\r\nCSeq: 1 BYE\r\n\r\n");
    ASSERT_TRUE(no_call_id.ok());
    const Status status = validate(*no_call_id);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().reason, "Missing Call-ID");
    EXPECT_EQ(status.error().status, 400);
}

// ---- stream framing ---------------------------------------------------------------

const std::string kFramed =
    "MESSAGE sip:a@b SIP/2.0\r\nCall-ID: x\r\nContent-Length: 5\r\n\r\nhello";

TEST(FrameStream, CompleteMessage) {
    const auto frame = frame_stream(kFramed);
    ASSERT_TRUE(frame.ok());
    EXPECT_EQ(frame->kind, StreamFrame::Kind::Message);
    EXPECT_EQ(frame->length, kFramed.size());
}

TEST(FrameStream, PartialMessagesNeedMore) {
    for (std::size_t size = 1; size < kFramed.size(); ++size) {
        const auto frame = frame_stream(std::string_view(kFramed).substr(0, size));
        ASSERT_TRUE(frame.ok()) << size;
        EXPECT_EQ(frame->kind, StreamFrame::Kind::NeedMore) << size;
    }
    const auto empty = frame_stream("");
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(empty->kind, StreamFrame::Kind::NeedMore);
}

TEST(FrameStream, TwoMessagesBackToBack) {
    const std::string second = "SIP/2.0 200 OK\r\nl: 0\r\n\r\n";
    const std::string stream = kFramed + second + "INVITE sip:partial";
    auto frame = frame_stream(stream);
    ASSERT_TRUE(frame.ok());
    ASSERT_EQ(frame->kind, StreamFrame::Kind::Message);
    EXPECT_EQ(frame->length, kFramed.size());
    std::string_view rest = std::string_view(stream).substr(frame->length);
    frame = frame_stream(rest);
    ASSERT_TRUE(frame.ok());
    ASSERT_EQ(frame->kind, StreamFrame::Kind::Message);
    EXPECT_EQ(frame->length, second.size());
    rest.remove_prefix(frame->length);
    frame = frame_stream(rest);
    ASSERT_TRUE(frame.ok());
    EXPECT_EQ(frame->kind, StreamFrame::Kind::NeedMore);
}

TEST(FrameStream, KeepAlives) {
    auto frame = frame_stream("\r\n\r\nOPTIONS");
    ASSERT_TRUE(frame.ok());
    EXPECT_EQ(frame->kind, StreamFrame::Kind::KeepAlive);
    EXPECT_EQ(frame->length, 4u);
    frame = frame_stream("\r\n");
    ASSERT_TRUE(frame.ok());
    EXPECT_EQ(frame->kind, StreamFrame::Kind::KeepAlive);
    EXPECT_EQ(frame->length, 2u);
}

TEST(FrameStream, FoldedContentLengthAndBareLineFeeds) {
    const std::string folded = "MESSAGE sip:a@b SIP/2.0\r\nContent-Length:\r\n 2\r\n\r\nhi";
    auto frame = frame_stream(folded + "NEXT");
    ASSERT_TRUE(frame.ok());
    EXPECT_EQ(frame->kind, StreamFrame::Kind::Message);
    EXPECT_EQ(frame->length, folded.size());
    const std::string bare = "MESSAGE sip:a@b SIP/2.0\nl: 2\n\nhi";
    frame = frame_stream(bare + "NEXT");
    ASSERT_TRUE(frame.ok());
    EXPECT_EQ(frame->kind, StreamFrame::Kind::Message);
    EXPECT_EQ(frame->length, bare.size());
}

TEST(FrameStream, Errors) {
    auto frame = frame_stream("MESSAGE sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\nhello");
    ASSERT_FALSE(frame.ok());
    EXPECT_EQ(frame.error().reason, "Missing Content-Length");

    frame = frame_stream("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: five\r\n\r\n");
    ASSERT_FALSE(frame.ok());
    EXPECT_EQ(frame.error().reason, "Bad Content-Length");

    frame = frame_stream("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n");
    ASSERT_FALSE(frame.ok());
    EXPECT_EQ(frame.error().reason, "Bad Content-Length");

    frame = frame_stream("MESSAGE sip:a@b SIP/2.0\r\nl: 1\r\nContent-Length: 1\r\n\r\nx");
    ASSERT_FALSE(frame.ok());
    EXPECT_EQ(frame.error().reason, "Multiple Content-Length headers");

    frame = frame_stream("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 99999999999999999999\r\n\r\n");
    ASSERT_FALSE(frame.ok());
    EXPECT_EQ(frame.error().reason, "Message too large");

    frame = frame_stream("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 100\r\n\r\n", 64);
    ASSERT_FALSE(frame.ok());
    EXPECT_EQ(frame.error().reason, "Message too large");
    EXPECT_EQ(frame.error().status, 513);

    // A header section that never ends is cut off at the size limit.
    const std::string endless = "MESSAGE sip:a@b SIP/2.0\r\n" + std::string(200, 'X');
    frame = frame_stream(endless, 100);
    ASSERT_FALSE(frame.ok());
    EXPECT_EQ(frame.error().reason, "Message too large");
}

TEST(FrameStream, FramedMessageParsesWithTheSameBody) {
    const std::string stream = kFramed + "trailing bytes of the next message";
    const auto frame = frame_stream(stream);
    ASSERT_TRUE(frame.ok());
    auto message = Message::parse(std::string_view(stream).substr(0, frame->length));
    ASSERT_TRUE(message.ok());
    EXPECT_EQ(message->body(), "hello");
    EXPECT_EQ(message->received_body(), "hello");
    EXPECT_EQ(message->content_length().value_or(0), 5u);
}

}  // namespace
}  // namespace tandem::sip
