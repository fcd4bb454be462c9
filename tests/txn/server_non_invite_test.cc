// Non-INVITE server transactions (RFC 3261 17.2.2) and incoming CANCEL
// (9.2): CANCEL is a server transaction of its own that the TU links to the
// INVITE with find_invite_for_cancel.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "txn_test_support.h"

namespace tandem::txn {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using namespace testing;

RequestSpec options_spec() {
    RequestSpec spec;
    spec.method = "OPTIONS";
    spec.via = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKopt1";
    return spec;
}

class ServerNonInviteTest : public LayerTest {
  protected:
    const std::string request = make_request(options_spec());
};

TEST_F(ServerNonInviteTest, InTryingARetransmissionIsAbsorbedWithoutAnAnswer) {
    const ServerTransaction txn = receive_and_create(request);
    EXPECT_EQ(layer.state(txn), State::Trying);
    receive(request);
    EXPECT_EQ(sent_count(), 0U);
    EXPECT_EQ(user.requests.size(), 1U);
    EXPECT_EQ(layer.stats().retransmissions_absorbed, 1U);
    advance(seconds(1));
    EXPECT_EQ(sent_count(), 0U);  // no automatic 100 for non-INVITE
}

TEST_F(ServerNonInviteTest, AProvisionalIsResentForRetransmissionsInProceeding) {
    const ServerTransaction txn = receive_and_create(request);
    ASSERT_TRUE(layer.respond(txn, 100).ok());
    EXPECT_EQ(layer.state(txn), State::Proceeding);
    receive(request);
    EXPECT_EQ(sent_lines(), (std::vector<std::string>{"SIP/2.0 100 Trying", "SIP/2.0 100 Trying"}));
}

TEST_F(ServerNonInviteTest, TheFinalIsResentInCompletedUntilTimerJ) {
    const ServerTransaction txn = receive_and_create(request);
    ASSERT_TRUE(layer.respond(txn, 200, {}, "t1").ok());
    EXPECT_EQ(layer.state(txn), State::Completed);
    receive(request);
    receive(request);
    EXPECT_EQ(sent_lines(),
              (std::vector<std::string>{"SIP/2.0 200 OK", "SIP/2.0 200 OK", "SIP/2.0 200 OK"}));
    EXPECT_EQ(user.requests.size(), 1U);
    // No retransmission of its own: only requests trigger one.
    advance(milliseconds(31990));
    EXPECT_EQ(sent_count(), 3U);
    EXPECT_EQ(layer.state(txn), State::Completed);
    advance(milliseconds(10));  // J = 64*T1
    EXPECT_FALSE(layer.alive(txn));
    ASSERT_EQ(user.server_terminated.size(), 1U);
    // Afterwards the same request is new again.
    receive(request);
    EXPECT_EQ(user.requests.size(), 2U);
}

TEST_F(ServerNonInviteTest, OnlyOneFinalResponse) {
    const ServerTransaction txn = receive_and_create(request);
    ASSERT_TRUE(layer.respond(txn, 404).ok());
    EXPECT_FALSE(layer.respond(txn, 200).ok());
    EXPECT_FALSE(layer.respond(txn, make_response(request, 180)).ok());
    EXPECT_EQ(sent_count(), 1U);
}

TEST_F(ServerNonInviteTest, OverTcpTimerJIsZero) {
    RequestSpec spec = options_spec();
    spec.via = "SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bKopt2";
    const ServerTransaction txn = receive_and_create(
        make_request(spec), endpoint("tcp:192.0.2.10:40002"), transport::ConnectionId(0, 4));
    ASSERT_TRUE(layer.respond(txn, 200).ok());
    EXPECT_EQ(last_sent().options.connection, transport::ConnectionId(0, 4));
    EXPECT_TRUE(layer.alive(txn));  // ended by a zero timer, not inside respond()
    EXPECT_TRUE(user.server_terminated.empty());
    run_due();
    EXPECT_FALSE(layer.alive(txn));
    EXPECT_EQ(user.server_terminated.size(), 1U);
}

TEST_F(ServerNonInviteTest, ATransportFailureEndsTheTransaction) {
    const ServerTransaction txn = receive_and_create(request);
    ASSERT_TRUE(layer.respond(txn, 200).ok());
    transport::SendFailure failure;
    failure.tag = last_sent().options.tag;
    failure.error = make_error("Connection refused", 503);
    layer.on_send_failed(failure);
    ASSERT_EQ(user.server_errors.size(), 1U);
    EXPECT_EQ(user.server_errors[0].first, txn);
    EXPECT_FALSE(layer.alive(txn));
    EXPECT_EQ(user.server_terminated.size(), 1U);
    // A second report for the same (now stale) tag is ignored.
    layer.on_send_failed(failure);
    EXPECT_EQ(user.server_errors.size(), 1U);
}

TEST_F(ServerNonInviteTest, ASynchronousSendErrorIsReturnedAndTheStateStillMoves) {
    const ServerTransaction txn = receive_and_create(request);
    transport.fail_sends(make_error("No buffer space", 503));
    const Status sent = layer.respond(txn, 200);
    ASSERT_FALSE(sent.ok());
    EXPECT_EQ(sent.error().reason, "No buffer space");
    EXPECT_EQ(layer.state(txn), State::Completed);
    transport.fail_sends(std::nullopt);
    receive(request);  // the retransmission gets the stored final
    EXPECT_EQ(sent_lines(), (std::vector<std::string>{"SIP/2.0 200 OK"}));
}

class ServerCancelTest : public LayerTest {
  protected:
    static RequestSpec cancel_spec() {
        RequestSpec spec;
        spec.method = "CANCEL";
        spec.cseq = "314159 CANCEL";
        return spec;
    }
    const std::string invite = make_request({});
    const std::string cancel = make_request(cancel_spec());
};

TEST_F(ServerCancelTest, ACancelIsItsOwnTransactionAndFindsItsInvite) {
    const ServerTransaction invite_txn = receive_and_create(invite);
    receive(cancel);
    ASSERT_EQ(user.requests.size(), 2U);  // a new request for the TU, not a retransmission
    const IncomingRequest& incoming = user.requests[1];
    EXPECT_EQ(incoming.message.method(), sip::Method::Cancel);
    EXPECT_EQ(layer.find_invite_for_cancel(incoming.message), invite_txn);

    // The TU answers the CANCEL on its own transaction and the INVITE with 487.
    auto cancel_txn = layer.create_server(incoming);
    ASSERT_TRUE(cancel_txn.ok());
    ASSERT_TRUE(layer.respond(*cancel_txn, 200).ok());
    ASSERT_TRUE(layer.respond(invite_txn, 487, {}, "t1").ok());
    EXPECT_EQ(sent_lines(),
              (std::vector<std::string>{"SIP/2.0 200 OK", "SIP/2.0 487 Request Terminated"}));
    EXPECT_EQ(parse(transport.sent()[0].bytes).cseq()->method, sip::Method::Cancel);

    // A retransmitted CANCEL is absorbed by its transaction.
    receive(cancel);
    EXPECT_EQ(user.requests.size(), 2U);
    EXPECT_EQ(last_sent_line(), "SIP/2.0 200 OK");
    EXPECT_EQ(layer.state(invite_txn), State::Completed);
}

TEST_F(ServerCancelTest, ACancelForNoInviteIsPassedUpAndFindsNothing) {
    receive(cancel);
    ASSERT_EQ(user.requests.size(), 1U);
    EXPECT_FALSE(layer.find_invite_for_cancel(user.requests[0].message));
}

TEST_F(ServerCancelTest, OnlyACancelIsLookedUpAsACancel) {
    const ServerTransaction invite_txn = receive_and_create(invite);
    EXPECT_TRUE(invite_txn);
    EXPECT_FALSE(layer.find_invite_for_cancel(parse(invite)));
    RequestSpec other_branch = cancel_spec();
    other_branch.via = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnotit";
    EXPECT_FALSE(layer.find_invite_for_cancel(parse(make_request(other_branch))));
}

}  // namespace
}  // namespace tandem::txn
