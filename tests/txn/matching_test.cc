#include "txn/matching.h"

#include <gtest/gtest.h>

#include <string>

#include "txn_test_support.h"

namespace tandem::txn {
namespace {

using testing::make_request;
using testing::parse;
using testing::RequestSpec;

// Keeps the message alive next to its key (the key views its bytes).
struct Keyed {
    explicit Keyed(const RequestSpec& spec) : message(parse(make_request(spec))) {
        auto extracted = request_key(message);
        EXPECT_TRUE(extracted.ok());
        key = extracted.value_or(RequestKey{});
    }
    sip::Message message;
    RequestKey key;
};

RequestSpec invite_spec() {
    return {};
}

RequestSpec with_method(RequestSpec spec, std::string method) {
    spec.method = method;
    spec.cseq = "314159 " + method;
    return spec;
}

RequestSpec legacy(RequestSpec spec) {
    spec.via = "SIP/2.0/UDP 192.0.2.10:5060";
    return spec;
}

TEST(RequestKeyTest, TakesTheMatchingFieldsFromTheRequest) {
    RequestSpec spec;
    spec.to = "Bob <sip:bob@example.com>;tag=xyz";
    const Keyed keyed(spec);
    EXPECT_EQ(keyed.key.branch, "z9hG4bK776asdhds");
    EXPECT_EQ(keyed.key.sent_by_host, "192.0.2.10");
    EXPECT_EQ(keyed.key.sent_by_port, 5060);
    EXPECT_EQ(keyed.key.method, "INVITE");
    EXPECT_EQ(keyed.key.request_uri, "sip:bob@example.com");
    EXPECT_EQ(keyed.key.call_id, "a84b4c76e66710@pc33.example.com");
    EXPECT_EQ(keyed.key.from_tag, "1928301774");
    EXPECT_EQ(keyed.key.to_tag, "xyz");
    EXPECT_EQ(keyed.key.cseq, 314159U);
    EXPECT_TRUE(keyed.key.rfc3261());
}

TEST(RequestKeyTest, FailsWithoutTheHeadersMatchingNeeds) {
    RequestSpec spec;
    spec.cseq = "x";
    const auto bad = request_key(parse(make_request(spec)));
    ASSERT_FALSE(bad.ok());
    EXPECT_FALSE(bad.error().reason.empty());
}

TEST(ServerMatchingTest, ARetransmissionMatchesByBranchSentByAndMethod) {
    const Keyed original(invite_spec());
    const Keyed again(invite_spec());
    EXPECT_TRUE(matches(original.key, again.key, Relation::same));
    EXPECT_EQ(server_hash(original.key, Relation::same), server_hash(again.key, Relation::same));

    RequestSpec other_branch = invite_spec();
    other_branch.via = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKother";
    EXPECT_FALSE(matches(original.key, Keyed(other_branch).key, Relation::same));

    RequestSpec other_port = invite_spec();
    other_port.via = "SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK776asdhds";
    EXPECT_FALSE(matches(original.key, Keyed(other_port).key, Relation::same));

    RequestSpec host_case = invite_spec();
    host_case.via = "SIP/2.0/UDP PC33.Example.COM;branch=z9hG4bK776asdhds";
    RequestSpec host_lower = invite_spec();
    host_lower.via = "SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds";
    EXPECT_TRUE(matches(Keyed(host_lower).key, Keyed(host_case).key, Relation::same));

    // Everything else may differ: only the branch decides.
    RequestSpec other_call = invite_spec();
    other_call.call_id = "different";
    EXPECT_TRUE(matches(original.key, Keyed(other_call).key, Relation::same));
}

TEST(ServerMatchingTest, AckAndCancelFindTheInviteButAreNotItsRetransmission) {
    const Keyed invite(invite_spec());
    const Keyed ack(with_method(invite_spec(), "ACK"));
    const Keyed cancel(with_method(invite_spec(), "CANCEL"));
    EXPECT_TRUE(matches(invite.key, ack.key, Relation::ack));
    EXPECT_TRUE(matches(invite.key, cancel.key, Relation::cancel));
    EXPECT_EQ(server_hash(ack.key, Relation::ack), server_hash(invite.key, Relation::same));
    EXPECT_EQ(server_hash(cancel.key, Relation::cancel), server_hash(invite.key, Relation::same));
    // A CANCEL is its own transaction: it does not match the INVITE as "same".
    EXPECT_FALSE(matches(invite.key, cancel.key, Relation::same));
    EXPECT_NE(server_hash(cancel.key, Relation::same), server_hash(invite.key, Relation::same));
    // ACK and CANCEL relate to INVITE transactions only.
    const Keyed options(with_method(invite_spec(), "OPTIONS"));
    EXPECT_FALSE(matches(options.key, ack.key, Relation::ack));
}

TEST(ServerMatchingTest, Rfc2543RequestsMatchOnTheDialogFieldsAndTopVia) {
    const Keyed original(legacy(invite_spec()));
    EXPECT_FALSE(original.key.rfc3261());
    const Keyed again(legacy(invite_spec()));
    EXPECT_TRUE(matches(original.key, again.key, Relation::same));
    EXPECT_EQ(server_hash(original.key, Relation::same), server_hash(again.key, Relation::same));

    RequestSpec uri_case = legacy(invite_spec());
    uri_case.uri = "sip:bob@EXAMPLE.com";  // equivalent URI (host ignores case)
    EXPECT_TRUE(matches(original.key, Keyed(uri_case).key, Relation::same));

    RequestSpec other_uri = legacy(invite_spec());
    other_uri.uri = "sip:carol@example.com";
    EXPECT_FALSE(matches(original.key, Keyed(other_uri).key, Relation::same));

    RequestSpec other_from = legacy(invite_spec());
    other_from.from = "Alice <sip:alice@example.com>;tag=other";
    EXPECT_FALSE(matches(original.key, Keyed(other_from).key, Relation::same));

    RequestSpec other_cseq = legacy(invite_spec());
    other_cseq.cseq = "314160 INVITE";
    EXPECT_FALSE(matches(original.key, Keyed(other_cseq).key, Relation::same));

    RequestSpec other_via = legacy(invite_spec());
    other_via.via = "SIP/2.0/UDP 192.0.2.11:5060";
    EXPECT_FALSE(matches(original.key, Keyed(other_via).key, Relation::same));

    RequestSpec other_to_tag = legacy(invite_spec());
    other_to_tag.to = "Bob <sip:bob@example.com>;tag=abc";
    EXPECT_FALSE(matches(original.key, Keyed(other_to_tag).key, Relation::same));

    // A branch-carrying request never matches a legacy transaction.
    EXPECT_FALSE(matches(original.key, Keyed(invite_spec()).key, Relation::same));
}

TEST(ServerMatchingTest, Rfc2543AckMatchesOnTheToTagOfTheResponse) {
    const Keyed invite(legacy(invite_spec()));
    RequestSpec ack_spec = legacy(with_method(invite_spec(), "ACK"));
    ack_spec.to = "Bob <sip:bob@example.com>;tag=resp1";
    const Keyed ack(ack_spec);
    EXPECT_EQ(server_hash(ack.key, Relation::ack), server_hash(invite.key, Relation::same));
    EXPECT_TRUE(matches(invite.key, ack.key, Relation::ack, "resp1"));
    EXPECT_FALSE(matches(invite.key, ack.key, Relation::ack, "resp2"));
}

TEST(ServerMatchingTest, Rfc2543CancelMatchesTheInvite) {
    const Keyed invite(legacy(invite_spec()));
    const Keyed cancel(legacy(with_method(invite_spec(), "CANCEL")));
    EXPECT_TRUE(matches(invite.key, cancel.key, Relation::cancel));
    EXPECT_FALSE(matches(invite.key, cancel.key, Relation::same));
}

TEST(ClientMatchingTest, TheHashSeparatesMethodsSharingABranch) {
    EXPECT_EQ(client_hash("z9hG4bKx", "INVITE"), client_hash("z9hG4bKx", "INVITE"));
    EXPECT_NE(client_hash("z9hG4bKx", "INVITE"), client_hash("z9hG4bKx", "CANCEL"));
    EXPECT_NE(client_hash("z9hG4bKx", "INVITE"), client_hash("z9hG4bKy", "INVITE"));
}

}  // namespace
}  // namespace tandem::txn
