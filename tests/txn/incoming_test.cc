// The receive path: parse, validate (stateless 400 or drop), received/rport,
// matching (branch and the RFC 2543 fallback), strays, counters.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "txn_test_support.h"

namespace tandem::txn {
namespace {

using std::chrono::seconds;
using namespace testing;

class IncomingTest : public LayerTest {};

TEST_F(IncomingTest, AMalformedRequestIsAnsweredStatelesslyWithTheReason) {
    RequestSpec spec;
    spec.cseq = "314159 BYE";  // does not match the INVITE method
    receive(make_request(spec));
    EXPECT_TRUE(user.requests.empty());
    ASSERT_EQ(sent_count(), 1U);
    EXPECT_EQ(last_sent_line(), "SIP/2.0 400 CSeq method does not match request method");
    EXPECT_EQ(last_sent().destination, kClient);
    const sip::Message response = parse(last_sent().bytes);
    EXPECT_EQ(response.top_via()->branch, "z9hG4bK776asdhds");
    EXPECT_EQ(response.call_id(), "a84b4c76e66710@pc33.example.com");
    EXPECT_EQ(layer.stats().bad_requests_answered, 1U);
    EXPECT_EQ(layer.stats().requests_received, 1U);
    EXPECT_EQ(layer.stats().server_transactions, 0U);
}

TEST_F(IncomingTest, ARequestMissingContentLengthOnTcpIsAnsweredOnItsConnection) {
    const std::string text =
        "OPTIONS sip:bob@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bKtcp9\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:alice@example.com>;tag=a\r\n"
        "To: <sip:bob@example.com>\r\n"
        "Call-ID: tcp-call\r\n"
        "CSeq: 1 OPTIONS\r\n\r\n";
    receive(text, endpoint("tcp:192.0.2.10:40003"), transport::ConnectionId(0, 12));
    ASSERT_EQ(sent_count(), 1U);
    EXPECT_EQ(last_sent_line(), "SIP/2.0 400 Missing Content-Length");
    EXPECT_EQ(last_sent().options.connection, transport::ConnectionId(0, 12));
    // Over UDP the same request is fine.
    receive(text);
    EXPECT_EQ(user.requests.size(), 1U);
}

TEST_F(IncomingTest, ARequestTooBrokenToAnswerIsDroppedAndCounted) {
    RequestSpec no_via;
    no_via.via.clear();
    receive(make_request(no_via));
    RequestSpec no_call_id;
    no_call_id.call_id.clear();
    receive(make_request(no_call_id));
    receive("this is not SIP\r\n\r\n");
    EXPECT_EQ(sent_count(), 0U);
    EXPECT_TRUE(user.requests.empty());
    EXPECT_EQ(layer.stats().messages_dropped, 3U);
    EXPECT_EQ(layer.stats().bad_requests_answered, 0U);
}

TEST_F(IncomingTest, ARequestTheParserRefusesIsAnsweredWhenItsViaReads) {
    // RFC 4475 3.1.2.7: a space inside the Request-URI; the parser refuses
    // the request line, the headers a response copies are all there.
    RequestSpec spec;
    spec.uri = "sip:bob@example.com; lr";
    receive(make_request(spec));
    EXPECT_TRUE(user.requests.empty());
    ASSERT_EQ(sent_count(), 1U);
    const sip::Message response = parse(last_sent().bytes);
    EXPECT_EQ(response.status_code(), 400);
    EXPECT_FALSE(response.reason_phrase().empty());
    EXPECT_EQ(last_sent().destination, kClient);
    EXPECT_EQ(response.top_via()->branch, "z9hG4bK776asdhds");
    EXPECT_EQ(response.call_id(), "a84b4c76e66710@pc33.example.com");
    EXPECT_EQ(response.cseq()->method_text, "INVITE");
    EXPECT_EQ(layer.stats().bad_requests_answered, 1U);
    EXPECT_EQ(layer.stats().messages_dropped, 0U);
}

TEST_F(IncomingTest, AFromOrCSeqThatDoesNotParseIsCopiedAsWritten) {
    RequestSpec spec;
    spec.cseq = "4294967296 INVITE";  // over 2^32 (RFC 4475 3.1.2.3)
    receive(make_request(spec));
    RequestSpec display;
    display.from = "Alice, Smith <sip:alice@example.com>;tag=1";  // RFC 4475 3.1.2.17
    receive(make_request(display));
    ASSERT_EQ(sent_count(), 2U);
    EXPECT_NE(transport.sent()[0].bytes.find("\r\nCSeq: 4294967296 INVITE\r\n"), std::string::npos);
    EXPECT_NE(
        transport.sent()[1].bytes.find("\r\nFrom: Alice, Smith <sip:alice@example.com>;tag=1\r\n"),
        std::string::npos);
    EXPECT_EQ(last_sent_line().substr(0, 12), "SIP/2.0 400 ");
    EXPECT_EQ(layer.stats().bad_requests_answered, 2U);
}

TEST_F(IncomingTest, AnInvalidAckIsNeverAnswered) {
    RequestSpec ack;
    ack.method = "ACK";
    ack.cseq = "314159 INVITE";
    receive(make_request(ack));
    EXPECT_EQ(sent_count(), 0U);
    EXPECT_EQ(layer.stats().messages_dropped, 1U);
}

TEST_F(IncomingTest, AnInvalidResponseIsDropped) {
    receive("SIP/2.0 200 OK\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n", kNextHop);
    EXPECT_TRUE(user.strays.empty());
    EXPECT_EQ(layer.stats().responses_received, 1U);
    EXPECT_EQ(layer.stats().messages_dropped, 1U);
}

TEST_F(IncomingTest, ReceivedAndRportAreStampedAndResponsesFollowThem) {
    const transport::Endpoint behind_nat = endpoint("udp:203.0.113.77:40000");
    RequestSpec spec;
    spec.via = "SIP/2.0/UDP 10.0.0.5:5060;rport;branch=z9hG4bKnat1";
    const ServerTransaction txn = receive_and_create(make_request(spec), behind_nat);
    const sip::Message& seen = user.requests.at(0).message;
    EXPECT_EQ(seen.top_via()->text,
              "SIP/2.0/UDP 10.0.0.5:5060;rport=40000;branch=z9hG4bKnat1;received=203.0.113.77");
    EXPECT_EQ(user.requests[0].source, behind_nat);

    ASSERT_TRUE(layer.respond(txn, 180, {}, "t1").ok());
    EXPECT_EQ(last_sent().destination, behind_nat);
    EXPECT_EQ(parse(last_sent().bytes).top_via()->rport, 40000);
    EXPECT_EQ(parse(last_sent().bytes).top_via()->received, "203.0.113.77");

    // The retransmission (from the same NAT binding) matches the stamped
    // transaction.
    receive(make_request(spec), behind_nat);
    EXPECT_EQ(user.requests.size(), 1U);
    EXPECT_EQ(sent_count(), 2U);
}

TEST_F(IncomingTest, WithoutRportResponsesGoToTheSourceAddressAndViaPort) {
    const transport::Endpoint source = endpoint("udp:203.0.113.80:41000");
    RequestSpec spec;
    spec.via = "SIP/2.0/UDP client.example:5070;branch=z9hG4bKnorport";
    const ServerTransaction txn = receive_and_create(make_request(spec), source);
    EXPECT_EQ(user.requests.at(0).message.top_via()->received, "203.0.113.80");
    ASSERT_TRUE(layer.respond(txn, 200, {}, "t1").ok());
    EXPECT_EQ(last_sent().destination, endpoint("udp:203.0.113.80:5070"));
}

TEST_F(IncomingTest, AResponseMatchingNoTransactionIsAStray) {
    RequestSpec spec;
    spec.via = "SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKgone";
    receive(make_response(make_request(spec), 200, "x"), kNextHop);
    ASSERT_EQ(user.strays.size(), 1U);
    EXPECT_EQ(user.strays[0].message.status_code(), 200);
    EXPECT_EQ(user.strays[0].source, kNextHop);
    EXPECT_EQ(layer.stats().stray_responses, 1U);
}

TEST_F(IncomingTest, AResponseMatchesByBranchAndCSeqMethod) {
    RequestSpec spec;
    spec.via = "SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKmine";
    const std::string request = make_request(spec);
    auto txn = layer.create_client(request, kNextHop);
    ASSERT_TRUE(txn.ok());
    // Same branch, other method (a CANCEL's response): not this transaction.
    RequestSpec cancel = spec;
    cancel.method = "CANCEL";
    cancel.cseq = "314159 CANCEL";
    receive(make_response(make_request(cancel), 200), kNextHop);
    EXPECT_EQ(user.strays.size(), 1U);
    EXPECT_TRUE(user.responses.empty());
    receive(make_response(request, 180, "x"), kNextHop);
    EXPECT_EQ(user.responses.size(), 1U);
}

TEST_F(IncomingTest, TheSameBranchFromAnotherSentByIsANewRequest) {
    receive_and_create(make_request({}));
    RequestSpec spec;
    spec.via = "SIP/2.0/UDP 192.0.2.99:5060;branch=z9hG4bK776asdhds";
    receive(make_request(spec), endpoint("udp:192.0.2.99:5060"));
    EXPECT_EQ(user.requests.size(), 2U);
}

class Rfc2543Test : public LayerTest {
  protected:
    static RequestSpec legacy(std::string method = "INVITE", std::string to_tag = {}) {
        RequestSpec spec;
        spec.method = method;
        spec.cseq = "314159 " + method;
        spec.via = "SIP/2.0/UDP 192.0.2.10:5060";
        if (!to_tag.empty()) spec.to = "Bob <sip:bob@example.com>;tag=" + to_tag;
        return spec;
    }
};

TEST_F(Rfc2543Test, RequestsWithoutTheMagicCookieMatchByTheirFields) {
    const std::string invite = make_request(legacy());
    const ServerTransaction txn = receive_and_create(invite);
    receive(invite);
    EXPECT_EQ(user.requests.size(), 1U);
    EXPECT_EQ(layer.stats().retransmissions_absorbed, 1U);
    EXPECT_EQ(layer.find_server(parse(invite)), txn);

    ASSERT_TRUE(layer.respond(txn, 486, {}, "srv9").ok());
    // An ACK with another To tag is not for this response: up to the TU.
    receive(make_request(legacy("ACK", "other")));
    EXPECT_EQ(user.requests.size(), 2U);
    EXPECT_EQ(layer.state(txn), State::Completed);
    // The ACK for our 486 (To tag of the response) is absorbed.
    receive(make_request(legacy("ACK", "srv9")));
    EXPECT_EQ(user.requests.size(), 2U);
    EXPECT_EQ(layer.state(txn), State::Confirmed);
    // Its retransmission too.
    receive(make_request(legacy("ACK", "srv9")));
    EXPECT_EQ(user.requests.size(), 2U);
    EXPECT_EQ(layer.stats().acks_absorbed, 2U);
}

TEST_F(Rfc2543Test, ACancelWithoutTheCookieFindsItsInvite) {
    const ServerTransaction txn = receive_and_create(make_request(legacy()));
    receive(make_request(legacy("CANCEL")));
    ASSERT_EQ(user.requests.size(), 2U);
    EXPECT_EQ(layer.find_invite_for_cancel(user.requests[1].message), txn);
    RequestSpec other = legacy("CANCEL");
    other.call_id = "another-call";
    EXPECT_FALSE(layer.find_invite_for_cancel(parse(make_request(other))));
}

TEST_F(IncomingTest, ConnectionClosesArePassedToTheTu) {
    transport::ConnectionClosed closed;
    closed.connection = transport::ConnectionId(2, 99);
    closed.reason = transport::CloseReason::idle_timeout;
    layer.on_connection_closed(closed);
    ASSERT_EQ(user.closed.size(), 1U);
    EXPECT_EQ(user.closed[0].connection, transport::ConnectionId(2, 99));
}

TEST_F(IncomingTest, RespondStatelesslyFollowsTheResponseRoute) {
    RequestSpec spec;
    spec.via = "SIP/2.0/UDP 10.0.0.5:5060;rport;branch=z9hG4bKsl";
    receive(make_request(spec), endpoint("udp:203.0.113.77:40000"));
    ASSERT_EQ(user.requests.size(), 1U);
    const IncomingRequest& request = user.requests[0];
    const std::string response = sip::response_to(request.message, 404, {}, "x").build();
    ASSERT_TRUE(layer.respond_stateless(request, response).ok());
    EXPECT_EQ(last_sent().destination, endpoint("udp:203.0.113.77:40000"));
    EXPECT_EQ(last_sent().options.local, kLocal);
    EXPECT_EQ(layer.stats().server_transactions, 0U);
}

}  // namespace
}  // namespace tandem::txn
