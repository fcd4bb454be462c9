#include "sip/writer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tandem::sip {
namespace {

constexpr std::string_view kInvite =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK74bf9.1;rport\r\n"
    "Via: SIP/2.0/UDP 198.51.100.7:5062;received=198.51.100.7;branch=z9hG4bK-1\r\n"
    "Max-Forwards: 69\r\n"
    "Route: <sip:192.0.2.20;lr>, <sip:192.0.2.30;lr>\r\n"
    "Route: <sip:192.0.2.40;lr>\r\n"
    "Record-Route: <sip:192.0.2.10;lr>\r\n"
    "Contact: <sip:alice@198.51.100.7:5062>\r\n"
    "To: <sip:bob@biloxi.example.com>\r\n"
    "From: \"Alice, A.\" <sip:alice@atlanta.example.com>;tag=e5d3f2a1\r\n"
    "Call-ID: abc123@198.51.100.7\r\n"
    "CSeq: 2 INVITE\r\n"
    "Subject :   odd   spacing  \r\n"
    "X-Folded: first\r\n"
    "  second\r\n"
    "Timestamp: 54\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 13\r\n"
    "\r\n"
    "v=0\r\n"
    "s=call\r\n";

Message parse(std::string_view text) {
    auto message = Message::parse(text);
    EXPECT_TRUE(message.ok()) << (message.ok() ? "" : message.error().reason) << "\n" << text;
    if (!message.ok()) return std::move(Message::parse("OPTIONS sip:x SIP/2.0\r\n\r\n").value());
    return std::move(message).value();
}

std::vector<std::string> values_of(const Message& message, HeaderId id) {
    std::vector<std::string> values;
    for (const HeaderView line : message.headers(id))
        values.emplace_back(line.value);
    return values;
}

std::vector<std::string> names_in_order(const Message& message) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < message.header_count(); ++i) {
        names.emplace_back(message.header_at(i).name);
    }
    return names;
}

// ---- MessageBuilder ------------------------------------------------------------

TEST(MessageBuilder, RequestWithBody) {
    const std::string text = MessageBuilder::request(Method::Message, "sip:bob@example.com")
                                 .header(HeaderId::Via, "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKb1")
                                 .header(HeaderId::MaxForwards, "70")
                                 .header("X-Note", "hello")
                                 .header(HeaderId::ContentLength, "999")  // computed instead
                                 .body("text/plain", "hi there")
                                 .build();
    EXPECT_EQ(text,
              "MESSAGE sip:bob@example.com SIP/2.0\r\n"
              "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKb1\r\n"
              "Max-Forwards: 70\r\n"
              "X-Note: hello\r\n"
              "Content-Type: text/plain\r\n"
              "Content-Length: 8\r\n"
              "\r\n"
              "hi there");
    const Message m = parse(text);
    EXPECT_EQ(m.method(), Method::Message);
    EXPECT_EQ(m.body(), "hi there");
}

TEST(MessageBuilder, ResponseWithoutBodyAndDefaultReason) {
    const std::string text = MessageBuilder::response(486).header("Retry-After", "30").build();
    EXPECT_EQ(text, "SIP/2.0 486 Busy Here\r\nRetry-After: 30\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(MessageBuilder::response(299, "Custom").build(),
              "SIP/2.0 299 Custom\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(MessageBuilder::request("NEWMETHOD", "sip:a@b").build(),
              "NEWMETHOD sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n");
}

TEST(ResponseTo, CopiesWhatRfc3261Requires) {
    const Message request = parse(kInvite);
    const Message response = parse(response_to(request, 180, {}, "as83kd9")
                                       .copy_headers(request, HeaderId::RecordRoute)
                                       .build());
    EXPECT_EQ(response.status_code(), 180);
    EXPECT_EQ(response.reason_phrase(), "Ringing");
    EXPECT_EQ(values_of(response, HeaderId::Via), values_of(request, HeaderId::Via));
    EXPECT_EQ(response.header(HeaderId::From), request.header(HeaderId::From));
    EXPECT_EQ(response.to()->tag, "as83kd9");
    EXPECT_EQ(response.to()->uri.user, "bob");
    EXPECT_EQ(response.call_id(), "abc123@198.51.100.7");
    EXPECT_EQ(response.cseq()->number, 2u);
    EXPECT_EQ(response.cseq()->method, Method::Invite);
    EXPECT_EQ(values_of(response, HeaderId::RecordRoute),
              (std::vector<std::string>{"<sip:192.0.2.10;lr>"}));
    EXPECT_FALSE(response.has(HeaderId::Timestamp));
    EXPECT_FALSE(response.has(HeaderId::Contact));
    EXPECT_EQ(response.content_length().value_or(99), 0u);
}

TEST(ResponseTo, TryingKeepsToUntaggedAndCopiesTimestamp) {
    const Message request = parse(kInvite);
    const Message trying = parse(response_to(request, 100, {}, "ignored").build());
    EXPECT_EQ(trying.reason_phrase(), "Trying");
    EXPECT_TRUE(trying.to()->tag.empty());
    EXPECT_EQ(trying.header(HeaderId::Timestamp), "54");
}

TEST(ResponseTo, ExistingToTagIsKept) {
    const Message request = parse(
        "BYE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@b>;tag=old\r\n"
        "From: <sip:c@d>;tag=f\r\nCall-ID: c\r\nCSeq: 3 BYE\r\n\r\n");
    const Message ok = parse(response_to(request, 200, {}, "new").build());
    EXPECT_EQ(ok.to()->tag, "old");
    EXPECT_EQ(ok.header(HeaderId::To), "<sip:a@b>;tag=old");
}

TEST(MakeVia, Forms) {
    EXPECT_EQ(make_via("UDP", "192.0.2.1", 5060, "z9hG4bKx"),
              "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx");
    EXPECT_EQ(make_via("TCP", "[2001:db8::1]", 0, "z9hG4bKy", true),
              "SIP/2.0/TCP [2001:db8::1];branch=z9hG4bKy;rport");
    EXPECT_TRUE(parse_via(make_via("TLS", "proxy.example.com", 5061, "z9hG4bKz")).ok());
}

// ---- EditList -------------------------------------------------------------------

TEST(EditList, NoEditsReproducesTheMessage) {
    const Message m = parse(kInvite);
    EXPECT_EQ(EditList(m).serialize(), kInvite);
}

TEST(EditList, RequestUriAndStatus) {
    const Message m = parse(kInvite);
    const Message out = parse(EditList(m).set_request_uri("sip:bob@192.0.2.99:5070").serialize());
    EXPECT_EQ(out.first_line(), "INVITE sip:bob@192.0.2.99:5070 SIP/2.0");
    EXPECT_EQ(out.header_count(), m.header_count());

    const Message response =
        parse("SIP/2.0 180 Ringing\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(EditList(response).set_status(183, {}).serialize(),
              "SIP/2.0 183 Session Progress\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n");
}

TEST(EditList, AddAtTopBottomAndBefore) {
    const Message m = parse("OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n");
    const std::string text = EditList(m)
                                 .add(HeaderId::MaxForwards, "70", EditList::Position::Top)
                                 .add("X-Last", "z")
                                 .add_before(HeaderId::CSeq, HeaderId::From, "<sip:f@h>;tag=1")
                                 .add_before(HeaderId::Route, "X-NoAnchor", "bottom")
                                 .add("v", "SIP/2.0/UDP h;branch=z9hG4bKc")
                                 .serialize();
    EXPECT_EQ(text,
              "OPTIONS sip:a@b SIP/2.0\r\n"
              "Max-Forwards: 70\r\n"
              "Call-ID: x\r\n"
              "From: <sip:f@h>;tag=1\r\n"
              "CSeq: 1 OPTIONS\r\n"
              "X-Last: z\r\n"
              "X-NoAnchor: bottom\r\n"
              "Via: SIP/2.0/UDP h;branch=z9hG4bKc\r\n"
              "Content-Length: 0\r\n"
              "\r\n");
}

TEST(EditList, PrependVia) {
    const Message m = parse(kInvite);
    const Message out =
        parse(EditList(m).prepend_via("SIP/2.0/TCP 192.0.2.20;branch=z9hG4bKnew").serialize());
    const auto vias = out.vias();
    ASSERT_TRUE(vias.ok());
    ASSERT_EQ(vias->size(), 3u);
    EXPECT_EQ((*vias)[0].branch, "z9hG4bKnew");
    EXPECT_EQ((*vias)[1].branch, "z9hG4bK74bf9.1");
    // The new Via goes where the first one was, not to the very top.
    EXPECT_EQ(out.header_at(0).name, "Via");

    const Message bare = parse("OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n");
    const Message with_via =
        parse(EditList(bare).prepend_via("SIP/2.0/UDP p;branch=z9hG4bK1").serialize());
    EXPECT_EQ(with_via.header_at(0).id, HeaderId::Via);
}

TEST(EditList, RemoveByIdNameAndCompactName) {
    const Message m = parse(
        "OPTIONS sip:a@b SIP/2.0\r\nX-A: 1\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nx-a: 2\r\n"
        "Via: SIP/2.0/UDP g;branch=z9hG4bK2\r\nCall-ID: x\r\n\r\n");
    EXPECT_EQ(EditList(m).remove(HeaderId::Via).remove("X-a").serialize(),
              "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(EditList(m).remove("V").remove("x-A").serialize(),
              "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n");
    // Removing what is not there changes nothing.
    EXPECT_EQ(EditList(m).remove(HeaderId::Route).remove("X-None").serialize(),
              EditList(m).serialize());
}

TEST(EditList, RemoveFirstValuePopsTopViaAndTopRoute) {
    const Message m = parse(kInvite);
    const Message out = parse(EditList(m)
                                  .remove_first_value(HeaderId::Via)
                                  .remove_first_value(HeaderId::Route)
                                  .serialize());
    EXPECT_EQ(values_of(out, HeaderId::Via),
              (std::vector<std::string>{
                  "SIP/2.0/UDP 198.51.100.7:5062;received=198.51.100.7;branch=z9hG4bK-1"}));
    EXPECT_EQ(values_of(out, HeaderId::Route),
              (std::vector<std::string>{"<sip:192.0.2.30;lr>", "<sip:192.0.2.40;lr>"}));

    // Popping twice more empties the first Route line and then moves on.
    const Message popped = parse(EditList(m)
                                     .remove_first_value(HeaderId::Route)
                                     .remove_first_value(HeaderId::Route)
                                     .serialize());
    EXPECT_EQ(values_of(popped, HeaderId::Route),
              (std::vector<std::string>{"<sip:192.0.2.40;lr>"}));

    // Commas inside quoted strings and <> do not split.
    const Message contacts =
        parse("REGISTER sip:r SIP/2.0\r\nContact: \"a, b\" <sip:x,y@h>, <sip:z@h>\r\n\r\n");
    EXPECT_EQ(values_of(parse(EditList(contacts).remove_first_value(HeaderId::Contact).serialize()),
                        HeaderId::Contact),
              (std::vector<std::string>{"<sip:z@h>"}));

    // Nothing to pop: nothing happens.
    const Message none =
        parse("OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(EditList(none).remove_first_value(HeaderId::Route).serialize(), none.bytes());
}

TEST(EditList, ReplaceKeepsThePlaceOfTheFirstLine) {
    const Message m = parse(
        "OPTIONS sip:a@b SIP/2.0\r\nSupported: a\r\nCall-ID: x\r\nk: b\r\nCSeq: 1 OPTIONS\r\n\r\n");
    EXPECT_EQ(EditList(m).replace(HeaderId::Supported, "timer").replace("X-New", "1").serialize(),
              "OPTIONS sip:a@b SIP/2.0\r\nSupported: timer\r\nCall-ID: x\r\nCSeq: 1 "
              "OPTIONS\r\nX-New: 1\r\nContent-Length: 0\r\n\r\n");
    const Message compact = parse("OPTIONS sip:a@b SIP/2.0\r\ni: old\r\n\r\n");
    EXPECT_EQ(EditList(compact).replace(HeaderId::CallId, "new").serialize(),
              "OPTIONS sip:a@b SIP/2.0\r\ni: new\r\nContent-Length: 0\r\n\r\n");
}

TEST(EditList, BodyEditsFixContentLengthAndType) {
    const Message m = parse(kInvite);
    Message out = parse(EditList(m).set_body("application/sdp", "v=0\r\n").serialize());
    EXPECT_EQ(out.body(), "v=0\r\n");
    EXPECT_EQ(out.content_length().value_or(0), 5u);
    EXPECT_EQ(out.count(HeaderId::ContentLength), 1u);

    out = parse(EditList(m).set_body("text/plain", "hello").serialize());
    EXPECT_TRUE(out.content_type()->is("text", "plain"));
    EXPECT_EQ(out.count(HeaderId::ContentType), 1u);

    out = parse(EditList(m).set_body({}, "x").serialize());
    EXPECT_TRUE(out.content_type()->is("application", "sdp"));

    out = parse(EditList(m).remove_body().serialize());
    EXPECT_TRUE(out.body().empty());
    EXPECT_EQ(out.content_length().value_or(99), 0u);
    EXPECT_FALSE(out.has(HeaderId::ContentType));
}

TEST(EditList, ContentLengthIsAlwaysRight) {
    // Missing: added at the end of the headers.
    Message m = parse("MESSAGE sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\nabc");
    EXPECT_EQ(EditList(m).serialize(),
              "MESSAGE sip:a@b SIP/2.0\r\nCall-ID: x\r\nContent-Length: 3\r\n\r\nabc");
    // A datagram longer than announced: the cut body goes out, correctly sized.
    m = parse("MESSAGE sip:a@b SIP/2.0\r\nl: 2\r\n\r\nabcdef");
    EXPECT_EQ(EditList(m).serialize(), "MESSAGE sip:a@b SIP/2.0\r\nl: 2\r\n\r\nab");
    // Duplicates and hand edits of Content-Length do not survive.
    m = parse("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 9\r\nCall-ID: x\r\nl: 3\r\n\r\nabc");
    EXPECT_EQ(EditList(m).add(HeaderId::ContentLength, "77").serialize(),
              "MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 3\r\nCall-ID: x\r\n\r\nabc");
    m = parse("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 3\r\n\r\nabc");
    EXPECT_EQ(EditList(m).remove(HeaderId::ContentLength).serialize(),
              "MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 3\r\n\r\nabc");
}

TEST(EditList, EditsApplyInOrder) {
    const Message m = parse(kInvite);
    // The Via added first is removed with the others by the later remove.
    Message out = parse(
        EditList(m).prepend_via("SIP/2.0/UDP p;branch=z9hG4bKp").remove(HeaderId::Via).serialize());
    EXPECT_FALSE(out.has(HeaderId::Via));
    // Remove, then add: the added one stays.
    out = parse(
        EditList(m).remove(HeaderId::Via).prepend_via("SIP/2.0/UDP p;branch=z9hG4bKp").serialize());
    EXPECT_EQ(values_of(out, HeaderId::Via),
              (std::vector<std::string>{"SIP/2.0/UDP p;branch=z9hG4bKp"}));
    // Popping right after prepending pops the new Via.
    out = parse(EditList(m)
                    .prepend_via("SIP/2.0/UDP p;branch=z9hG4bKp")
                    .remove_first_value(HeaderId::Via)
                    .serialize());
    EXPECT_EQ(out.top_via()->branch, "z9hG4bK74bf9.1");
}

TEST(EditList, UntouchedBytesAreCopiedAsTheyAre) {
    const Message m = parse(kInvite);
    const std::string text = EditList(m).replace(HeaderId::MaxForwards, "68").serialize();
    EXPECT_NE(text.find("Subject :   odd   spacing  \r\n"), std::string::npos);
    EXPECT_NE(text.find("X-Folded: first\r\n  second\r\n"), std::string::npos);
    EXPECT_NE(text.find("From: \"Alice, A.\" <sip:alice@atlanta.example.com>;tag=e5d3f2a1\r\n"),
              std::string::npos);
    EXPECT_EQ(text.size(), kInvite.size());  // "69" became "68"
}

TEST(EditList, WhatAProxyDoesInOnePass) {
    const Message m = parse(kInvite);
    EditList edits(m);
    edits.prepend_via("SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK8f2c.0")
        .remove_first_value(HeaderId::Route)
        .add_before(HeaderId::RecordRoute, HeaderId::RecordRoute, "<sip:192.0.2.20;lr>")
        .replace(HeaderId::MaxForwards, "68");
    EXPECT_EQ(edits.size(), 4u);
    std::string out = "previous contents";
    edits.serialize_to(out);
    const Message forwarded = parse(out);
    EXPECT_EQ(forwarded.vias()->size(), 3u);
    EXPECT_EQ(forwarded.top_via()->branch, "z9hG4bK8f2c.0");
    EXPECT_EQ(forwarded.routes()->size(), 2u);
    EXPECT_EQ((*forwarded.routes())[0].uri.host, "192.0.2.30");
    EXPECT_EQ(values_of(forwarded, HeaderId::RecordRoute),
              (std::vector<std::string>{"<sip:192.0.2.20;lr>", "<sip:192.0.2.10;lr>"}));
    EXPECT_EQ(forwarded.max_forwards().value_or(0), 68u);
    EXPECT_EQ(forwarded.body(), m.body());
    EXPECT_EQ(forwarded.content_length().value_or(0), m.body().size());
    EXPECT_EQ(names_in_order(forwarded).front(), "Via");
}

TEST(EditList, EditValuesAreCopied) {
    const Message m = parse("OPTIONS sip:a@b SIP/2.0\r\n\r\n");
    EditList edits(m);
    {
        std::string temporary = "value that goes away";
        edits.add("X-Copied", temporary);
    }
    EXPECT_EQ(edits.serialize(),
              "OPTIONS sip:a@b SIP/2.0\r\nX-Copied: value that goes away\r\nContent-Length: "
              "0\r\n\r\n");
}

}  // namespace
}  // namespace tandem::sip
