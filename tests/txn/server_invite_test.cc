// INVITE server transactions (RFC 3261 17.2.1, RFC 6026 7.1), driven from
// the wire (requests in, responses out) and from the TU (respond).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "txn_test_support.h"

namespace tandem::txn {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using namespace testing;

class ServerInviteTest : public LayerTest {
  protected:
    const std::string invite = make_request({});
    std::string ack_for(std::string_view to_tag) {
        RequestSpec spec;
        spec.method = "ACK";
        spec.cseq = "314159 ACK";
        spec.to = "Bob <sip:bob@example.com>;tag=" + std::string(to_tag);
        return make_request(spec);
    }
};

TEST_F(ServerInviteTest, StartsInProceedingAndSends100TryingAfter200ms) {
    const ServerTransaction txn = receive_and_create(invite);
    EXPECT_EQ(layer.state(txn), State::Proceeding);
    EXPECT_EQ(layer.stats().server_transactions, 1U);
    advance(milliseconds(190));
    EXPECT_EQ(sent_count(), 0U);
    advance(milliseconds(10));
    ASSERT_EQ(sent_count(), 1U);
    EXPECT_EQ(last_sent_line(), "SIP/2.0 100 Trying");
    // Back to where the request came from, from the socket it arrived on.
    EXPECT_EQ(last_sent().destination, kClient);
    EXPECT_EQ(last_sent().options.local, kLocal);
    const sip::Message trying = parse(last_sent().bytes);
    EXPECT_EQ(trying.top_via()->branch, "z9hG4bK776asdhds");
    EXPECT_TRUE(trying.to()->tag.empty());
}

TEST_F(ServerInviteTest, AProvisionalFromTheTuWithin200msReplacesThe100) {
    const ServerTransaction txn = receive_and_create(invite);
    advance(milliseconds(50));
    ASSERT_TRUE(layer.respond(txn, 180, {}, "totag").ok());
    ASSERT_EQ(sent_count(), 1U);
    EXPECT_EQ(last_sent_line(), "SIP/2.0 180 Ringing");
    EXPECT_EQ(parse(last_sent().bytes).to()->tag, "totag");
    advance(seconds(1));
    EXPECT_EQ(sent_count(), 1U);
}

TEST_F(ServerInviteTest, ARetransmittedInviteBeforeAnyAnswerGets100AtOnce) {
    const ServerTransaction txn = receive_and_create(invite);
    receive(invite);
    ASSERT_EQ(sent_count(), 1U);
    EXPECT_EQ(last_sent_line(), "SIP/2.0 100 Trying");
    EXPECT_EQ(user.requests.size(), 1U);  // absorbed, not passed up
    EXPECT_EQ(layer.stats().retransmissions_absorbed, 1U);
    advance(seconds(1));
    EXPECT_EQ(sent_count(), 1U);  // the 200 ms timer was stopped
    EXPECT_EQ(layer.state(txn), State::Proceeding);
}

TEST_F(ServerInviteTest, ARetransmittedInviteInProceedingGetsTheLastProvisional) {
    const ServerTransaction txn = receive_and_create(invite);
    ASSERT_TRUE(layer.respond(txn, 180, {}, "t1").ok());
    ASSERT_TRUE(layer.respond(txn, 183, "Session Progress", "t1").ok());
    receive(invite);
    receive(invite);
    EXPECT_EQ(sent_lines(), (std::vector<std::string>{
                                "SIP/2.0 180 Ringing", "SIP/2.0 183 Session Progress",
                                "SIP/2.0 183 Session Progress", "SIP/2.0 183 Session Progress"}));
    EXPECT_EQ(user.requests.size(), 1U);
    EXPECT_EQ(layer.stats().retransmissions_absorbed, 2U);
}

TEST_F(ServerInviteTest, A2xxMovesToAcceptedWhereInvitesAreAbsorbedUntilTimerL) {
    const ServerTransaction txn = receive_and_create(invite);
    ASSERT_TRUE(layer.respond(txn, 200, {}, "t1").ok());
    EXPECT_EQ(layer.state(txn), State::Accepted);
    EXPECT_EQ(sent_count(), 1U);
    // The request is cut down to what matching needs.
    EXPECT_TRUE(layer.request_bytes(txn).empty());

    receive(invite);  // absorbed silently: 2xx retransmission is the TU's job
    EXPECT_EQ(sent_count(), 1U);
    EXPECT_EQ(user.requests.size(), 1U);

    // The TU retransmits its 2xx (or forwards another fork's) through it.
    ASSERT_TRUE(layer.respond(txn, make_response(invite, 200, "t1")).ok());
    ASSERT_TRUE(layer.respond(txn, make_response(invite, 200, "t2")).ok());
    EXPECT_EQ(sent_count(), 3U);
    // But nothing else once accepted.
    EXPECT_FALSE(layer.respond(txn, make_response(invite, 486, "t1")).ok());
    EXPECT_FALSE(layer.respond(txn, make_response(invite, 180, "t1")).ok());

    advance(milliseconds(31990));  // 64*T1 = 32 s
    EXPECT_EQ(layer.state(txn), State::Accepted);
    EXPECT_TRUE(user.server_terminated.empty());
    advance(milliseconds(10));
    EXPECT_FALSE(layer.alive(txn));
    ASSERT_EQ(user.server_terminated.size(), 1U);
    EXPECT_EQ(user.server_terminated[0], txn);
    EXPECT_EQ(layer.stats().server_transactions, 0U);
    EXPECT_EQ(sent_count(), 3U);  // never retransmits a 2xx on its own
}

TEST_F(ServerInviteTest, AnAckInAcceptedGoesToTheTu) {
    const ServerTransaction txn = receive_and_create(invite);
    ASSERT_TRUE(layer.respond(txn, 200, {}, "t1").ok());
    receive(ack_for("t1"));  // same branch as the INVITE (an RFC 2543-minded UA)
    ASSERT_EQ(user.requests.size(), 2U);
    EXPECT_EQ(user.requests[1].message.method(), sip::Method::Ack);
    EXPECT_EQ(layer.state(txn), State::Accepted);
}

TEST_F(ServerInviteTest, AnAckFor2xxWithItsOwnBranchGoesToTheTu) {
    const ServerTransaction txn = receive_and_create(invite);
    ASSERT_TRUE(layer.respond(txn, 200, {}, "t1").ok());
    RequestSpec spec;
    spec.method = "ACK";
    spec.cseq = "314159 ACK";
    spec.via = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnewack";
    spec.to = "Bob <sip:bob@example.com>;tag=t1";
    receive(make_request(spec));
    ASSERT_EQ(user.requests.size(), 2U);
    EXPECT_EQ(user.requests[1].message.method(), sip::Method::Ack);
    EXPECT_EQ(layer.stats().acks_absorbed, 0U);
}

TEST_F(ServerInviteTest, ANon2xxIsRetransmittedByTimerGDoublingToT2UntilTheAck) {
    const ServerTransaction txn = receive_and_create(invite);
    ASSERT_TRUE(layer.respond(txn, 486, {}, "t1").ok());
    EXPECT_EQ(layer.state(txn), State::Completed);
    ASSERT_EQ(sent_count(), 1U);
    // Retransmissions at +0.5, +1.5, +3.5, +7.5, +11.5, +15.5 s: intervals
    // 500, 1000, 2000, 4000 (T2), 4000, 4000 ms.
    const std::int64_t expected_at[] = {500, 1500, 3500, 7500, 11500, 15500};
    std::int64_t now = 0;
    std::size_t expected_count = 1;
    for (const std::int64_t at : expected_at) {
        advance(milliseconds(at - now - 10));
        EXPECT_EQ(sent_count(), expected_count) << "early, before " << at;
        advance(milliseconds(10));
        ++expected_count;
        EXPECT_EQ(sent_count(), expected_count) << "at " << at;
        EXPECT_EQ(last_sent_line(), "SIP/2.0 486 Busy Here");
        now = at;
    }
    EXPECT_EQ(layer.stats().retransmissions_sent, 6U);

    receive(ack_for("t1"));
    EXPECT_EQ(layer.state(txn), State::Confirmed);
    EXPECT_EQ(user.requests.size(), 1U);  // the ACK is absorbed
    EXPECT_EQ(layer.stats().acks_absorbed, 1U);
    advance(seconds(4));
    EXPECT_EQ(sent_count(), expected_count);  // G stopped
}

TEST_F(ServerInviteTest, InConfirmedAcksAndInvitesAreAbsorbedUntilTimerI) {
    const ServerTransaction txn = receive_and_create(invite);
    ASSERT_TRUE(layer.respond(txn, 603, {}, "t1").ok());
    receive(ack_for("t1"));
    const std::size_t sent = sent_count();
    receive(ack_for("t1"));
    receive(invite);
    EXPECT_EQ(sent_count(), sent);
    EXPECT_EQ(user.requests.size(), 1U);
    EXPECT_EQ(layer.stats().acks_absorbed, 2U);
    advance(milliseconds(4990));  // T4 = 5 s
    EXPECT_EQ(layer.state(txn), State::Confirmed);
    advance(milliseconds(10));
    EXPECT_FALSE(layer.alive(txn));
    EXPECT_EQ(user.server_terminated.size(), 1U);
    EXPECT_TRUE(user.ack_timeouts.empty());
}

TEST_F(ServerInviteTest, ARetransmittedInviteInCompletedGetsTheFinalAgain) {
    const ServerTransaction txn = receive_and_create(invite);
    ASSERT_TRUE(layer.respond(txn, 404, {}, "t1").ok());
    receive(invite);
    EXPECT_EQ(sent_lines(),
              (std::vector<std::string>{"SIP/2.0 404 Not Found", "SIP/2.0 404 Not Found"}));
    EXPECT_EQ(user.requests.size(), 1U);
}

TEST_F(ServerInviteTest, TimerHEndsTheTransactionAndTellsTheTuWhenNoAckComes) {
    const ServerTransaction txn = receive_and_create(invite);
    ASSERT_TRUE(layer.respond(txn, 486, {}, "t1").ok());
    advance(milliseconds(31990));
    EXPECT_TRUE(user.ack_timeouts.empty());
    EXPECT_EQ(layer.state(txn), State::Completed);
    advance(milliseconds(10));
    ASSERT_EQ(user.ack_timeouts.size(), 1U);
    EXPECT_EQ(user.ack_timeouts[0], txn);
    ASSERT_EQ(user.server_terminated.size(), 1U);
    EXPECT_FALSE(layer.alive(txn));
    const std::size_t sent = sent_count();
    advance(seconds(10));
    EXPECT_EQ(sent_count(), sent);  // G stopped with it
}

TEST_F(ServerInviteTest, OverTcpThereAreNoRetransmissionsAndTimerIIsZero) {
    const transport::ConnectionId connection(0, 9);
    const transport::Endpoint tcp_client = endpoint("tcp:192.0.2.10:40001");
    RequestSpec spec;
    spec.via = "SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bKtcp1";
    const std::string tcp_invite = make_request(spec);
    const ServerTransaction txn = receive_and_create(tcp_invite, tcp_client, connection);
    ASSERT_TRUE(layer.respond(txn, 486, {}, "t1").ok());
    ASSERT_EQ(sent_count(), 1U);
    EXPECT_EQ(last_sent().options.connection, connection);
    EXPECT_EQ(last_sent().destination.protocol, transport::Protocol::tcp);
    advance(seconds(20));
    EXPECT_EQ(sent_count(), 1U);  // no timer G

    RequestSpec ack = spec;
    ack.method = "ACK";
    ack.cseq = "314159 ACK";
    ack.to = "Bob <sip:bob@example.com>;tag=t1";
    receive(make_request(ack), tcp_client, connection);
    EXPECT_EQ(layer.state(txn), State::Confirmed);
    run_due();  // timer I = 0
    EXPECT_FALSE(layer.alive(txn));
}

TEST_F(ServerInviteTest, RespondChecksTheStateAndTheText) {
    const ServerTransaction txn = receive_and_create(invite);
    EXPECT_FALSE(layer.respond(txn, std::string("not a response")).ok());
    ASSERT_TRUE(layer.respond(txn, 480, {}, "t1").ok());
    EXPECT_FALSE(layer.respond(txn, make_response(invite, 500, "t1")).ok());
    EXPECT_FALSE(layer.respond(txn, make_response(invite, 200, "t1")).ok());
    // Building a response needs the request, which is no longer kept.
    EXPECT_FALSE(layer.respond(txn, 500, {}, "t1").ok());
    // The request is no longer kept after the final response.
    EXPECT_TRUE(layer.request_bytes(txn).empty());
}

TEST_F(ServerInviteTest, ATransportFailureIsReportedAndTheTransactionStays) {
    const ServerTransaction txn = receive_and_create(invite);
    ASSERT_TRUE(layer.respond(txn, 180, {}, "t1").ok());
    transport::SendFailure failure;
    failure.destination = kClient;
    failure.tag = last_sent().options.tag;
    failure.error = make_error("Connection reset", 503);
    layer.on_send_failed(failure);
    ASSERT_EQ(user.server_errors.size(), 1U);
    EXPECT_EQ(user.server_errors[0].first, txn);
    EXPECT_EQ(user.server_errors[0].second.reason, "Connection reset");
    EXPECT_EQ(layer.state(txn), State::Proceeding);  // RFC 6026: Proceeding stays
    EXPECT_EQ(layer.stats().transport_errors, 1U);
}

TEST_F(ServerInviteTest, CreateServerRefusesAckAndDuplicates) {
    receive(invite);
    ASSERT_EQ(user.requests.size(), 1U);
    ASSERT_TRUE(layer.create_server(user.requests[0]).ok());
    EXPECT_FALSE(layer.create_server(user.requests[0]).ok());
    // An ACK for a transaction without a final response is dropped.
    receive(ack_for("zz"));
    EXPECT_EQ(layer.stats().messages_dropped, 1U);
    EXPECT_EQ(user.requests.size(), 1U);
    RequestSpec other;
    other.method = "ACK";
    other.cseq = "1 ACK";
    other.via = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKotherack";
    receive(make_request(other));
    ASSERT_EQ(user.requests.size(), 2U);
    const auto refused = layer.create_server(user.requests[1]);
    ASSERT_FALSE(refused.ok());
}

TEST_F(ServerInviteTest, FindServerFindsTheInviteForItsAck) {
    const ServerTransaction txn = receive_and_create(invite);
    EXPECT_EQ(layer.find_server(parse(invite)), txn);
    EXPECT_EQ(layer.find_server(parse(ack_for("t1"))), txn);
    RequestSpec other;
    other.via = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKelse";
    EXPECT_FALSE(layer.find_server(parse(make_request(other))));
}

TEST(ServerInviteSettingsTest, With100TryingOffTheTuDecides) {
    ManualClock clock;
    TimerWheel wheel(clock);
    transport::RecordingTransport transport;
    RecordingUser user;
    LayerOptions options;
    options.send_100_trying = false;
    TransactionLayer layer(transport, wheel, user, options);
    transport::ReceivedMessage message;
    const std::string invite = make_request({});
    message.bytes = invite;
    message.source = endpoint("udp:192.0.2.10:5060");
    layer.on_message(message);
    ASSERT_EQ(user.requests.size(), 1U);
    ASSERT_TRUE(layer.create_server(user.requests[0]).ok());
    layer.on_message(message);  // even a retransmission gets no 100
    clock.advance(seconds(2));
    wheel.advance(clock.now());
    EXPECT_TRUE(transport.sent().empty());
}

TEST(ServerInviteSettingsTest, AZeroTryingDelaySends100AtOnce) {
    ManualClock clock;
    TimerWheel wheel(clock);
    transport::RecordingTransport transport;
    RecordingUser user;
    LayerOptions options;
    options.timers.trying_delay = Duration::zero();
    TransactionLayer layer(transport, wheel, user, options);
    transport::ReceivedMessage message;
    const std::string invite = make_request({});
    message.bytes = invite;
    message.source = endpoint("udp:192.0.2.10:5060");
    layer.on_message(message);
    ASSERT_TRUE(layer.create_server(user.requests.at(0)).ok());
    ASSERT_EQ(transport.sent().size(), 1U);
    EXPECT_EQ(first_line(transport.sent()[0].bytes), "SIP/2.0 100 Trying");
}

TEST(ServerInviteSettingsTest, TimerValuesComeFromTheSettings) {
    ManualClock clock;
    TimerWheel wheel(clock);
    transport::RecordingTransport transport;
    RecordingUser user;
    LayerOptions options;
    options.timers.t1 = milliseconds(100);
    options.timers.t2 = milliseconds(300);
    TransactionLayer layer(transport, wheel, user, options);
    transport::ReceivedMessage message;
    const std::string invite = make_request({});
    message.bytes = invite;
    message.source = endpoint("udp:192.0.2.10:5060");
    layer.on_message(message);
    auto txn = layer.create_server(user.requests.at(0));
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(layer.respond(*txn, 486, {}, "t").ok());
    // G: 100, 200, 300 (T2), 300 ms; H at 64*T1 = 6.4 s.
    std::vector<std::int64_t> sent_at;
    for (int ms = 10; ms <= 6400; ms += 10) {
        const std::size_t before = transport.sent().size();
        clock.advance(milliseconds(10));
        wheel.advance(clock.now());
        if (transport.sent().size() > before) sent_at.push_back(ms);
    }
    ASSERT_GE(sent_at.size(), 4U);
    EXPECT_EQ(std::vector<std::int64_t>(sent_at.begin(), sent_at.begin() + 4),
              (std::vector<std::int64_t>{100, 300, 600, 900}));
    EXPECT_EQ(user.ack_timeouts.size(), 1U);
}

}  // namespace
}  // namespace tandem::txn
