// Cancelling an INVITE client transaction (RFC 3261 9.1).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "txn_test_support.h"

namespace tandem::txn {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using namespace testing;

class CancelTest : public LayerTest {
  protected:
    CancelTest() {
        RequestSpec spec;
        spec.via = "SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKinv9";
        spec.extra = "Route: <sip:edge.example;lr>\r\n";
        request = make_request(spec);
        auto created = layer.create_client(request, kNextHop);
        EXPECT_TRUE(created.ok());
        txn = created.value_or(ClientTransaction{});
    }
    void answer(int status, std::string_view to_tag = "b1") {
        receive(make_response(request, status, to_tag), kNextHop);
    }
    // The CANCELs sent so far.
    std::vector<sip::Message> cancels() {
        std::vector<sip::Message> found;
        for (const auto& sent : transport.sent()) {
            if (sent.bytes.starts_with("CANCEL ")) found.push_back(parse(sent.bytes));
        }
        return found;
    }

    std::string request;
    ClientTransaction txn;
};

TEST_F(CancelTest, BeforeAProvisionalTheCancelWaitsForOne) {
    ASSERT_TRUE(layer.cancel(txn, "SIP;cause=487").ok());
    EXPECT_TRUE(cancels().empty());
    answer(100, {});
    const auto sent = cancels();
    ASSERT_EQ(sent.size(), 1U);
    const sip::Message& cancel = sent[0];
    EXPECT_EQ(cancel.request_uri_text(), "sip:bob@example.com");
    EXPECT_EQ(cancel.top_via()->branch, "z9hG4bKinv9");
    EXPECT_EQ(cancel.cseq()->number, 314159U);
    EXPECT_EQ(cancel.cseq()->method, sip::Method::Cancel);
    EXPECT_EQ(cancel.header(sip::HeaderId::Reason), "SIP;cause=487");
    EXPECT_EQ(cancel.header(sip::HeaderId::Route), "<sip:edge.example;lr>");
    EXPECT_EQ(last_sent().destination, kNextHop);
    // The 100 still reached the TU.
    ASSERT_EQ(user.responses.size(), 1U);
    EXPECT_EQ(user.responses[0].response.message.status_code(), 100);
}

TEST_F(CancelTest, AfterAProvisionalTheCancelGoesAtOnce) {
    answer(180);
    ASSERT_TRUE(layer.cancel(txn).ok());
    ASSERT_EQ(cancels().size(), 1U);
    EXPECT_FALSE(cancels()[0].has(sip::HeaderId::Reason));
    // Asking again sends nothing more.
    ASSERT_TRUE(layer.cancel(txn).ok());
    EXPECT_EQ(cancels().size(), 1U);
}

TEST_F(CancelTest, TheCancelsOwnResponsesAreAbsorbedAndThe487EndsTheInvite) {
    answer(180);
    ASSERT_TRUE(layer.cancel(txn).ok());
    const std::string cancel_text = last_sent().bytes;
    receive(make_response(cancel_text, 200, "b1"), kNextHop);
    EXPECT_EQ(user.responses.size(), 1U);  // only the 180: the CANCEL is the layer's
    answer(487);
    ASSERT_EQ(user.responses.size(), 2U);
    EXPECT_EQ(user.responses[1].response.message.status_code(), 487);
    EXPECT_EQ(user.responses[1].transaction, txn);
    EXPECT_EQ(parse(last_sent().bytes).method(), sip::Method::Ack);
    EXPECT_EQ(layer.state(txn), State::Completed);
    // The CANCEL's transaction ends quietly (timer K); the INVITE's by D.
    advance(seconds(40));
    EXPECT_EQ(user.client_terminated.size(), 1U);
    EXPECT_EQ(user.client_terminated[0], txn);
    EXPECT_EQ(layer.stats().client_transactions, 0U);
}

TEST_F(CancelTest, TheCancelIsRetransmittedOverUdpUntilAnswered) {
    answer(180);
    ASSERT_TRUE(layer.cancel(txn).ok());
    advance(milliseconds(500));
    advance(milliseconds(1000));
    EXPECT_EQ(cancels().size(), 3U);
    receive(make_response(last_sent().bytes, 200, "b1"), kNextHop);
    advance(seconds(5));
    EXPECT_EQ(cancels().size(), 3U);
}

TEST_F(CancelTest, AFinalBeforeAnyProvisionalMeansNoCancel) {
    ASSERT_TRUE(layer.cancel(txn).ok());
    answer(486);
    advance(seconds(1));
    EXPECT_TRUE(cancels().empty());
    EXPECT_EQ(user.responses.size(), 1U);
}

TEST_F(CancelTest, A2xxBeforeAnyProvisionalMeansNoCancel) {
    ASSERT_TRUE(layer.cancel(txn).ok());
    answer(200);
    EXPECT_TRUE(cancels().empty());
    EXPECT_EQ(layer.state(txn), State::Accepted);
}

TEST_F(CancelTest, AfterAFinalCancelFails) {
    answer(180);
    answer(404);
    const Status refused = layer.cancel(txn);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().status, 481);
    EXPECT_TRUE(cancels().empty());
}

TEST_F(CancelTest, WithoutAFinalResponseTheInviteIsGivenUp64T1AfterTheCancel) {
    answer(180);
    advance(seconds(10));
    ASSERT_TRUE(layer.cancel(txn).ok());
    receive(make_response(last_sent().bytes, 200, "b1"), kNextHop);  // 200 to the CANCEL
    advance(milliseconds(31990));
    EXPECT_TRUE(layer.alive(txn));
    advance(milliseconds(10));
    EXPECT_FALSE(layer.alive(txn));
    ASSERT_EQ(user.responses.size(), 2U);
    EXPECT_EQ(user.responses[1].response.message.status_code(), 408);
    EXPECT_EQ(user.responses[1].response.origin, ResponseOrigin::timeout);
    EXPECT_EQ(user.client_terminated.size(), 1U);
}

TEST_F(CancelTest, ACancelWaitingForAProvisionalEndsWithTimerB) {
    ASSERT_TRUE(layer.cancel(txn).ok());
    advance(seconds(32));
    ASSERT_EQ(user.responses.size(), 1U);
    EXPECT_EQ(user.responses[0].response.message.status_code(), 408);
    EXPECT_TRUE(cancels().empty());
}

TEST_F(CancelTest, CancelledTransactionsAreNotVisibleAsClientTransactions) {
    answer(180);
    ASSERT_TRUE(layer.cancel(txn).ok());
    const sip::Message cancel_response = parse(make_response(last_sent().bytes, 200, "b1"));
    EXPECT_FALSE(layer.find_client(cancel_response));
    EXPECT_EQ(layer.stats().client_transactions, 2U);
}

}  // namespace
}  // namespace tandem::txn
