// Non-INVITE client transactions (RFC 3261 17.1.2).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "txn_test_support.h"

namespace tandem::txn {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using namespace testing;

RequestSpec outgoing_bye() {
    RequestSpec spec;
    spec.method = "BYE";
    spec.via = "SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKbye1";
    spec.to = "Bob <sip:bob@example.com>;tag=b1";
    return spec;
}

class ClientNonInviteTest : public LayerTest {
  protected:
    ClientTransaction start() {
        auto created = layer.create_client(request, kNextHop);
        EXPECT_TRUE(created.ok());
        return created.value_or(ClientTransaction{});
    }
    void answer(int status) { receive(make_response(request, status), kNextHop); }

    // Times (ms since start) at which the request went out again, watching
    // in 10 ms steps up to `until`.
    std::vector<std::int64_t> retransmission_times(std::int64_t from, std::int64_t until) {
        std::vector<std::int64_t> times;
        for (std::int64_t ms = from + 10; ms <= until; ms += 10) {
            const std::size_t before = sent_count();
            advance(milliseconds(10));
            for (std::size_t i = before; i < sent_count(); ++i) {
                if (transport.sent()[i].bytes == request) times.push_back(ms);
            }
        }
        return times;
    }

    const std::string request = make_request(outgoing_bye());
};

TEST_F(ClientNonInviteTest, TimerEDoublesUpToT2) {
    const ClientTransaction txn = start();
    EXPECT_EQ(layer.state(txn), State::Trying);
    // Intervals 500, 1000, 2000, 4000, 4000, ...
    EXPECT_EQ(retransmission_times(0, 20000),
              (std::vector<std::int64_t>{500, 1500, 3500, 7500, 11500, 15500, 19500}));
}

TEST_F(ClientNonInviteTest, AfterAProvisionalTimerEContinuesEveryT2) {
    const ClientTransaction txn = start();
    EXPECT_EQ(retransmission_times(0, 600), (std::vector<std::int64_t>{500}));
    answer(100);
    EXPECT_EQ(layer.state(txn), State::Proceeding);
    ASSERT_EQ(user.responses.size(), 1U);
    // The pending E (1000 ms after the 500 ms one) still fires at 1500; from
    // then on every T2.
    EXPECT_EQ(retransmission_times(600, 14000),
              (std::vector<std::int64_t>{1500, 5500, 9500, 13500}));
}

TEST_F(ClientNonInviteTest, TimerFReportsASynthetic408) {
    const ClientTransaction txn = start();
    answer(100);  // F runs in Proceeding too
    advance(milliseconds(31990));
    EXPECT_EQ(user.responses.size(), 1U);
    advance(milliseconds(10));
    ASSERT_EQ(user.responses.size(), 2U);
    EXPECT_EQ(user.responses[1].response.message.status_code(), 408);
    EXPECT_EQ(user.responses[1].response.origin, ResponseOrigin::timeout);
    EXPECT_EQ(user.responses[1].response.message.cseq()->method, sip::Method::Bye);
    EXPECT_FALSE(layer.alive(txn));
    EXPECT_EQ(user.client_terminated.size(), 1U);
}

TEST_F(ClientNonInviteTest, AFinalCompletesAndRetransmittedFinalsAreAbsorbedUntilTimerK) {
    const ClientTransaction txn = start();
    answer(200);
    EXPECT_EQ(layer.state(txn), State::Completed);
    ASSERT_EQ(user.responses.size(), 1U);
    answer(200);
    answer(200);
    EXPECT_EQ(user.responses.size(), 1U);
    EXPECT_EQ(layer.stats().retransmissions_absorbed, 2U);
    EXPECT_EQ(sent_count(), 1U);  // no ACK for non-INVITE, no retransmission
    advance(milliseconds(4990));  // K = T4
    EXPECT_TRUE(layer.alive(txn));
    advance(milliseconds(10));
    EXPECT_FALSE(layer.alive(txn));
    EXPECT_EQ(user.client_terminated.size(), 1U);
    EXPECT_EQ(sent_count(), 1U);
}

TEST_F(ClientNonInviteTest, OverTcpNoRetransmissionsAndTimerKIsZero) {
    RequestSpec spec = outgoing_bye();
    spec.via = "SIP/2.0/TCP 198.51.100.1:5060;branch=z9hG4bKbyetcp";
    const std::string tcp_request = make_request(spec);
    auto created = layer.create_client(tcp_request, kNextHopTcp);
    ASSERT_TRUE(created.ok());
    advance(seconds(10));
    EXPECT_EQ(sent_count(), 1U);
    receive(make_response(tcp_request, 200), kNextHopTcp, transport::ConnectionId(0, 8));
    EXPECT_EQ(layer.state(*created), State::Completed);
    run_due();
    EXPECT_FALSE(layer.alive(*created));
}

TEST_F(ClientNonInviteTest, OnlyAnInviteCanBeCancelled) {
    const ClientTransaction txn = start();
    EXPECT_FALSE(layer.cancel(txn).ok());
    EXPECT_EQ(sent_count(), 1U);
}

}  // namespace
}  // namespace tandem::txn
