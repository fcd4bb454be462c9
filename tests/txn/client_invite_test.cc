// INVITE client transactions (RFC 3261 17.1.1, RFC 6026 7.2): requests go
// out through the TU call, responses come in from the wire.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "txn_test_support.h"

namespace tandem::txn {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using namespace testing;

RequestSpec outgoing_invite() {
    RequestSpec spec;
    spec.via = "SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKout1";
    spec.extra = "Route: <sip:edge.example;lr>\r\nContact: <sip:proxy@198.51.100.1>\r\n";
    return spec;
}

class ClientInviteTest : public LayerTest {
  protected:
    ClientTransaction start(const transport::Endpoint& to = kNextHop) {
        auto created = layer.create_client(request, to);
        EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().reason);
        return created.value_or(ClientTransaction{});
    }
    void answer(int status, std::string_view to_tag = {}) {
        receive(make_response(request, status, to_tag), kNextHop);
    }

    const std::string request = make_request(outgoing_invite());
};

TEST_F(ClientInviteTest, SendsTheRequestAndRetransmitsItOnTimerADoubling) {
    const ClientTransaction txn = start();
    EXPECT_EQ(layer.state(txn), State::Calling);
    ASSERT_EQ(sent_count(), 1U);
    EXPECT_EQ(last_sent().bytes, request);
    EXPECT_EQ(last_sent().destination, kNextHop);
    EXPECT_EQ(last_sent().options.tag, txn.id().value());
    // A: 500, 1000, 2000, 4000, 8000, 16000 ms (no cap at T2), until B.
    const std::int64_t expected_at[] = {500, 1500, 3500, 7500, 15500, 31500};
    std::int64_t now = 0;
    std::size_t count = 1;
    for (const std::int64_t at : expected_at) {
        advance(milliseconds(at - now - 10));
        EXPECT_EQ(sent_count(), count) << "early, before " << at;
        advance(milliseconds(10));
        EXPECT_EQ(sent_count(), ++count) << "at " << at;
        EXPECT_EQ(last_sent().bytes, request);
        now = at;
    }
}

TEST_F(ClientInviteTest, TimerBReportsASynthetic408AndEnds) {
    const ClientTransaction txn = start();
    advance(milliseconds(31990));
    EXPECT_TRUE(user.responses.empty());
    advance(milliseconds(10));
    ASSERT_EQ(user.responses.size(), 1U);
    const auto& [which, response] = user.responses[0];
    EXPECT_EQ(which, txn);
    EXPECT_EQ(response.origin, ResponseOrigin::timeout);
    EXPECT_EQ(response.message.status_code(), 408);
    EXPECT_EQ(response.message.cseq()->method, sip::Method::Invite);
    EXPECT_EQ(response.message.top_via()->branch, "z9hG4bKout1");
    EXPECT_EQ(response.source, kNextHop);
    ASSERT_EQ(user.client_terminated.size(), 1U);
    EXPECT_EQ(user.client_terminated[0], txn);
    EXPECT_FALSE(layer.alive(txn));
    EXPECT_EQ(layer.stats().timeouts, 1U);
    EXPECT_EQ(layer.stats().client_transactions, 0U);
    const std::size_t sent = sent_count();
    advance(seconds(60));
    EXPECT_EQ(sent_count(), sent);
}

TEST_F(ClientInviteTest, AProvisionalStopsRetransmissionsAndTimerB) {
    const ClientTransaction txn = start();
    advance(milliseconds(500));
    ASSERT_EQ(sent_count(), 2U);
    answer(180, "b1");
    EXPECT_EQ(layer.state(txn), State::Proceeding);
    ASSERT_EQ(user.responses.size(), 1U);
    EXPECT_EQ(user.responses[0].response.message.status_code(), 180);
    EXPECT_EQ(user.responses[0].response.origin, ResponseOrigin::network);
    advance(seconds(120));  // Proceeding waits for the TU (timer C is the proxy's)
    EXPECT_EQ(sent_count(), 2U);
    EXPECT_EQ(layer.state(txn), State::Proceeding);
    EXPECT_EQ(user.responses.size(), 1U);
    answer(183, "b1");
    EXPECT_EQ(user.responses.size(), 2U);
}

TEST_F(ClientInviteTest, ANon2xxFinalIsAcknowledgedByTheTransaction) {
    const ClientTransaction txn = start();
    answer(180, "b1");
    answer(486, "b1");
    EXPECT_EQ(layer.state(txn), State::Completed);
    ASSERT_EQ(user.responses.size(), 2U);
    EXPECT_EQ(user.responses[1].response.message.status_code(), 486);
    ASSERT_EQ(sent_count(), 2U);
    const sip::Message ack = parse(last_sent().bytes);
    EXPECT_EQ(ack.method(), sip::Method::Ack);
    EXPECT_EQ(ack.request_uri_text(), "sip:bob@example.com");
    EXPECT_EQ(ack.top_via()->branch, "z9hG4bKout1");
    EXPECT_EQ(ack.count(sip::HeaderId::Via), 1U);
    EXPECT_EQ(ack.to()->tag, "b1");
    EXPECT_EQ(ack.cseq()->number, 314159U);
    EXPECT_EQ(ack.cseq()->method, sip::Method::Ack);
    EXPECT_EQ(ack.header(sip::HeaderId::Route), "<sip:edge.example;lr>");
    EXPECT_EQ(ack.max_forwards().value_or(0), 70U);
    EXPECT_EQ(last_sent().destination, kNextHop);
}

TEST_F(ClientInviteTest, ARetransmittedFinalGetsTheAckAgainAndIsNotPassedUp) {
    const ClientTransaction txn = start();
    answer(503, "b1");
    ASSERT_EQ(sent_count(), 2U);
    const std::string ack = last_sent().bytes;
    answer(503, "b1");
    answer(503, "b1");
    ASSERT_EQ(sent_count(), 4U);
    EXPECT_EQ(transport.sent()[2].bytes, ack);
    EXPECT_EQ(transport.sent()[3].bytes, ack);
    EXPECT_EQ(user.responses.size(), 1U);
    EXPECT_EQ(layer.stats().retransmissions_absorbed, 2U);
    // Timer D: 32 s on UDP.
    advance(milliseconds(31990));
    EXPECT_EQ(layer.state(txn), State::Completed);
    advance(milliseconds(10));
    EXPECT_FALSE(layer.alive(txn));
    EXPECT_EQ(user.client_terminated.size(), 1U);
    // Now a late retransmission is a stray.
    answer(503, "b1");
    EXPECT_EQ(user.strays.size(), 1U);
}

TEST_F(ClientInviteTest, A2xxMovesToAcceptedAndEvery2xxReachesTheTuUntilTimerM) {
    const ClientTransaction txn = start();
    answer(180, "b1");
    answer(200, "b1");
    EXPECT_EQ(layer.state(txn), State::Accepted);
    EXPECT_EQ(sent_count(), 1U);  // no ACK: ACK for 2xx is the TU's
    answer(200, "b1");            // a retransmission
    answer(200, "b2");            // another fork
    answer(486, "b3");            // anything else after a 2xx is absorbed
    ASSERT_EQ(user.responses.size(), 4U);
    EXPECT_EQ(user.responses[2].response.message.to()->tag, "b1");
    EXPECT_EQ(user.responses[3].response.message.to()->tag, "b2");
    EXPECT_EQ(sent_count(), 1U);
    EXPECT_TRUE(layer.request_bytes(txn).empty());  // compacted
    advance(milliseconds(31990));
    EXPECT_TRUE(layer.alive(txn));
    advance(milliseconds(10));  // M = 64*T1
    EXPECT_FALSE(layer.alive(txn));
    EXPECT_EQ(user.client_terminated.size(), 1U);
}

TEST_F(ClientInviteTest, A2xxInCallingAlsoStopsRetransmissions) {
    const ClientTransaction txn = start();
    answer(200, "b1");
    EXPECT_EQ(layer.state(txn), State::Accepted);
    advance(seconds(10));
    EXPECT_EQ(sent_count(), 1U);
}

TEST_F(ClientInviteTest, OverTcpThereIsNoTimerAAndTimerDIsZero) {
    RequestSpec spec = outgoing_invite();
    spec.via = "SIP/2.0/TCP 198.51.100.1:5060;branch=z9hG4bKtcpout";
    const std::string tcp_request = make_request(spec);
    auto created = layer.create_client(tcp_request, kNextHopTcp);
    ASSERT_TRUE(created.ok());
    advance(seconds(10));
    EXPECT_EQ(sent_count(), 1U);
    receive(make_response(tcp_request, 404, "b1"), kNextHopTcp, transport::ConnectionId(0, 3));
    EXPECT_EQ(sent_count(), 2U);  // the ACK
    EXPECT_EQ(layer.state(*created), State::Completed);
    run_due();
    EXPECT_FALSE(layer.alive(*created));
    // Timer B still applies over TCP.
    RequestSpec second = spec;
    second.via = "SIP/2.0/TCP 198.51.100.1:5060;branch=z9hG4bKtcpout2";
    auto other = layer.create_client(make_request(second), kNextHopTcp);
    ASSERT_TRUE(other.ok());
    advance(seconds(32));
    EXPECT_FALSE(layer.alive(*other));
    EXPECT_EQ(user.responses.back().response.message.status_code(), 408);
}

TEST_F(ClientInviteTest, ATransportFailureReportsASynthetic503AndEnds) {
    const ClientTransaction txn = start();
    transport::SendFailure failure;
    failure.destination = kNextHop;
    failure.tag = last_sent().options.tag;
    failure.error = make_error("Connection refused", 503);
    layer.on_send_failed(failure);
    ASSERT_EQ(user.responses.size(), 1U);
    EXPECT_EQ(user.responses[0].transaction, txn);
    EXPECT_EQ(user.responses[0].response.message.status_code(), 503);
    EXPECT_EQ(user.responses[0].response.origin, ResponseOrigin::transport_error);
    EXPECT_FALSE(layer.alive(txn));
    EXPECT_EQ(user.client_terminated.size(), 1U);
    EXPECT_EQ(layer.stats().transport_errors, 1U);
}

TEST_F(ClientInviteTest, ARefusedFirstSendLeavesNoTransaction) {
    transport.fail_sends(make_error("Network unreachable", 503));
    auto created = layer.create_client(request, kNextHop);
    ASSERT_FALSE(created.ok());
    EXPECT_EQ(created.error().status, 503);
    EXPECT_EQ(layer.stats().client_transactions, 0U);
    transport.fail_sends(std::nullopt);
    // The branch is free again.
    EXPECT_TRUE(layer.create_client(request, kNextHop).ok());
    EXPECT_TRUE(user.client_terminated.empty());
}

TEST_F(ClientInviteTest, ABranchIsGeneratedWhenTheViaHasNone) {
    RequestSpec spec = outgoing_invite();
    spec.via = "SIP/2.0/UDP 198.51.100.1:5060;rport";
    auto created = layer.create_client(make_request(spec), kNextHop);
    ASSERT_TRUE(created.ok());
    const sip::Message sent = parse(last_sent().bytes);
    const std::string branch(sent.top_via()->branch);
    EXPECT_TRUE(has_magic_cookie(branch));
    EXPECT_EQ(branch.size(), 23U);
    EXPECT_EQ(parse(layer.request_bytes(*created)).top_via()->branch, branch);
    // Responses find it by that branch.
    receive(make_response(last_sent().bytes, 180, "x"), kNextHop);
    ASSERT_EQ(user.responses.size(), 1U);
    EXPECT_EQ(user.responses[0].transaction, *created);
    EXPECT_EQ(layer.find_client(user.responses[0].response.message), *created);
}

TEST_F(ClientInviteTest, BadRequestsAreRefused) {
    RequestSpec no_cookie = outgoing_invite();
    no_cookie.via = "SIP/2.0/UDP 198.51.100.1:5060;branch=1234";
    EXPECT_FALSE(layer.create_client(make_request(no_cookie), kNextHop).ok());
    RequestSpec ack = outgoing_invite();
    ack.method = "ACK";
    ack.cseq = "1 ACK";
    EXPECT_FALSE(layer.create_client(make_request(ack), kNextHop).ok());
    EXPECT_FALSE(layer.create_client("SIP/2.0 200 OK\r\n\r\n", kNextHop).ok());
    EXPECT_FALSE(layer.create_client("garbage", kNextHop).ok());
    ASSERT_TRUE(layer.create_client(request, kNextHop).ok());
    EXPECT_FALSE(layer.create_client(request, kNextHop).ok());  // branch in use
    EXPECT_EQ(sent_count(), 1U);
}

TEST_F(ClientInviteTest, TheTagTheTuGaveIsReplacedByTheTransactionId) {
    transport::SendOptions options;
    options.tag = 777;
    options.connection = transport::ConnectionId(1, 5);
    auto created = layer.create_client(request, kNextHop, options);
    ASSERT_TRUE(created.ok());
    EXPECT_EQ(last_sent().options.tag, created->id().value());
    EXPECT_EQ(last_sent().options.connection, transport::ConnectionId(1, 5));
}

}  // namespace
}  // namespace tandem::txn
