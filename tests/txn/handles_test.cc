// Handles after the end of their transaction, calls back into the layer from
// TU callbacks, limits, and teardown.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "txn_test_support.h"

namespace tandem::txn {
namespace {

using std::chrono::seconds;
using namespace testing;

class HandlesTest : public LayerTest {};

RequestSpec options_with_branch(const std::string& branch) {
    RequestSpec spec;
    spec.method = "OPTIONS";
    spec.cseq = "1 OPTIONS";
    spec.via = "SIP/2.0/UDP 192.0.2.10:5060;branch=" + branch;
    return spec;
}

TEST_F(HandlesTest, AServerHandleIsStaleAfterItsTransactionEnds) {
    const ServerTransaction txn =
        receive_and_create(make_request(options_with_branch("z9hG4bKs1")));
    ASSERT_TRUE(layer.respond(txn, 200).ok());
    advance(seconds(32));
    ASSERT_FALSE(layer.alive(txn));
    EXPECT_FALSE(layer.state(txn).has_value());
    EXPECT_TRUE(layer.request_bytes(txn).empty());
    const Status refused = layer.respond(txn, 200);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().status, 481);

    // The next transaction reuses the slot under a new generation; the old
    // handle does not reach it.
    const ServerTransaction next =
        receive_and_create(make_request(options_with_branch("z9hG4bKs2")));
    EXPECT_EQ(next.id().index(), txn.id().index());
    EXPECT_NE(next, txn);
    EXPECT_FALSE(layer.respond(txn, 200).ok());
    EXPECT_EQ(layer.state(next), State::Trying);
}

TEST_F(HandlesTest, AClientHandleIsStaleAfterItsTransactionEnds) {
    RequestSpec spec;
    spec.via = "SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKc1";
    auto txn = layer.create_client(make_request(spec), kNextHop);
    ASSERT_TRUE(txn.ok());
    advance(seconds(32));  // timer B
    ASSERT_EQ(user.client_terminated.size(), 1U);
    EXPECT_FALSE(layer.alive(*txn));
    EXPECT_TRUE(layer.request_bytes(*txn).empty());
    EXPECT_EQ(layer.cancel(*txn).error().status, 481);
    // A transport failure reported late for it is ignored.
    transport::SendFailure failure;
    failure.tag = txn->id().value();
    layer.on_send_failed(failure);
    EXPECT_EQ(user.responses.size(), 1U);  // only the 408
}

TEST_F(HandlesTest, HandlesOfOneRoleDoNotWorkAsTheOther) {
    const ServerTransaction server =
        receive_and_create(make_request(options_with_branch("z9hG4bKrole")));
    const ClientTransaction as_client(server.id());
    EXPECT_FALSE(layer.alive(as_client));
    EXPECT_FALSE(layer.cancel(as_client).ok());
    EXPECT_FALSE(layer.alive(ServerTransaction{}));
    EXPECT_FALSE(layer.respond(ServerTransaction{}, 200).ok());
}

TEST_F(HandlesTest, TheTuMayCreateAndRespondFromInsideOnRequest) {
    user.after_request = [this](const IncomingRequest& request) {
        auto txn = layer.create_server(request);
        ASSERT_TRUE(txn.ok());
        ASSERT_TRUE(layer.respond(*txn, 200, {}, "x").ok());
    };
    const std::string request = make_request(options_with_branch("z9hG4bKinside"));
    receive(request);
    receive(request);  // absorbed by the transaction made in the callback
    EXPECT_EQ(user.requests.size(), 1U);
    EXPECT_EQ(sent_lines(), (std::vector<std::string>{"SIP/2.0 200 OK", "SIP/2.0 200 OK"}));
}

TEST_F(HandlesTest, TheTuMayStartManyTransactionsFromInsideOnResponse) {
    // A failover storm: each final starts 50 new transactions while the
    // layer is still inside its response handling (the table grows under it).
    int started = 0;
    user.after_response = [&](ClientTransaction, const IncomingResponse& response) {
        if (response.message.status_code() < 300) return;
        for (int i = 0; i < 50; ++i) {
            RequestSpec spec;
            spec.method = "OPTIONS";
            spec.cseq = "1 OPTIONS";
            spec.via =
                "SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKstorm" + std::to_string(started++);
            ASSERT_TRUE(layer.create_client(make_request(spec), kNextHop).ok());
        }
    };
    RequestSpec spec;
    spec.via = "SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKfirst";
    const std::string request = make_request(spec);
    auto txn = layer.create_client(request, kNextHop);
    ASSERT_TRUE(txn.ok());
    receive(make_response(request, 180, "b"), kNextHop);
    ASSERT_TRUE(layer.cancel(*txn).ok());  // a CANCEL transaction too
    receive(make_response(request, 503, "b"), kNextHop);
    EXPECT_EQ(started, 50);
    EXPECT_EQ(layer.state(*txn), State::Completed);
    // The ACK went out after the 503, from the INVITE transaction.
    bool saw_ack = false;
    for (const auto& sent : transport.sent())
        saw_ack |= sent.bytes.starts_with("ACK ");
    EXPECT_TRUE(saw_ack);
    EXPECT_EQ(layer.stats().client_transactions, 52U);  // INVITE, CANCEL, 50 OPTIONS
}

TEST_F(HandlesTest, DuringOnAckTimeoutTheTransactionIsStillThere) {
    const ServerTransaction txn = receive_and_create(make_request({}));
    ASSERT_TRUE(layer.respond(txn, 486, {}, "t").ok());
    std::optional<State> state_seen;
    bool respond_refused = false;
    user.after_ack_timeout = [&](ServerTransaction timed_out) {
        state_seen = layer.state(timed_out);
        respond_refused = !layer.respond(timed_out, make_response(make_request({}), 500)).ok();
    };
    advance(seconds(32));
    EXPECT_EQ(state_seen, State::Completed);
    EXPECT_TRUE(respond_refused);
    EXPECT_FALSE(layer.alive(txn));
    EXPECT_EQ(user.server_terminated.size(), 1U);
}

class LimitedLayerTest : public LayerTest {
  protected:
    static LayerOptions two_transactions() {
        LayerOptions options = default_options();
        options.max_transactions = 2;
        return options;
    }
    LimitedLayerTest() : LayerTest(two_transactions()) {}
};

TEST_F(LimitedLayerTest, BeyondTheLimitCreationFailsWith503) {
    receive_and_create(make_request(options_with_branch("z9hG4bKl1")));
    RequestSpec spec;
    spec.via = "SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKl2";
    ASSERT_TRUE(layer.create_client(make_request(spec), kNextHop).ok());
    receive(make_request(options_with_branch("z9hG4bKl3")));
    const auto refused = layer.create_server(user.requests.back());
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().status, 503);
    spec.via = "SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKl4";
    EXPECT_EQ(layer.create_client(make_request(spec), kNextHop).error().status, 503);
}

TEST(LayerLifetimeTest, DestroyingTheLayerCancelsItsTimers) {
    ManualClock clock;
    TimerWheel wheel(clock);
    transport::RecordingTransport transport;
    RecordingUser user;
    {
        TransactionLayer layer(transport, wheel, user);
        RequestSpec spec;
        spec.via = "SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKlife";
        ASSERT_TRUE(layer.create_client(make_request(spec), endpoint("udp:203.0.113.5:5060")).ok());
        EXPECT_EQ(wheel.pending(), 2U);  // A and B
    }
    EXPECT_EQ(wheel.pending(), 0U);
    clock.advance(seconds(40));
    EXPECT_EQ(wheel.advance(clock.now()), 0U);
    EXPECT_TRUE(user.responses.empty());
}

}  // namespace
}  // namespace tandem::txn
