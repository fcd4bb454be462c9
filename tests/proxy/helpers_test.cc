// The proxy's pure helpers: Call-ID sharding, the resolver, local
// addresses, loop hashes, best response selection and status patterns.
#include <gtest/gtest.h>

#include "proxy/address_text.h"
#include "proxy/best_response.h"
#include "proxy/call_id.h"
#include "proxy/local_addresses.h"
#include "proxy/loop_detection.h"
#include "proxy/proxy.h"
#include "proxy/proxy_module.h"
#include "proxy/resolver.h"
#include "proxy/transaction_slots.h"
#include "proxy_test_support.h"
#include "script/config.h"

namespace tandem::proxy::testing {
namespace {

TEST(CallId, FoundInFullAndCompactForm) {
    EXPECT_EQ(find_call_id("INVITE sip:a@b SIP/2.0\r\nVia: x\r\nCall-ID:  abc@host \r\n\r\n"),
              "abc@host");
    EXPECT_EQ(find_call_id("SIP/2.0 200 OK\r\ni: compact\r\n\r\n"), "compact");
    EXPECT_EQ(find_call_id("BYE sip:a@b SIP/2.0\r\ncall-id\t: lower\r\n\r\n"), "lower");
    EXPECT_EQ(find_call_id("BYE sip:a@b SIP/2.0\nCall-ID: bare-lf\n\n"), "bare-lf");
}

TEST(CallId, NotFoundInBodyOrFolding) {
    EXPECT_FALSE(find_call_id("INVITE sip:a@b SIP/2.0\r\nVia: x\r\n\r\nCall-ID: in-body\r\n"));
    EXPECT_FALSE(find_call_id("INVITE sip:a@b SIP/2.0\r\nSubject: x\r\n Call-ID: folded\r\n\r\n"));
    EXPECT_FALSE(find_call_id("Call-ID: first-line-only"));
    EXPECT_FALSE(find_call_id("INVITE sip:a@b SIP/2.0\r\nCall-IDs: not-it\r\n\r\n"));
}

TEST(CallId, ShardsAreStableAndSpread) {
    EXPECT_EQ(call_id_hash("abc"), call_id_hash("abc"));
    EXPECT_NE(call_id_hash("abc"), call_id_hash("ABC"));
    EXPECT_EQ(shard_of_call_id("anything", 1), 0u);
    std::vector<int> counts(4, 0);
    for (int i = 0; i < 4000; ++i)
        ++counts[shard_of_call_id("call-" + std::to_string(i), 4)];
    for (const int count : counts)
        EXPECT_GT(count, 800);
    const std::string message = "BYE sip:a@b SIP/2.0\r\nCall-ID: call-7\r\n\r\n";
    EXPECT_EQ(shard_of_message(message, 4, 3), shard_of_call_id("call-7", 4));
    EXPECT_EQ(shard_of_message("garbage", 4, 3), 3u);
}

TEST(Resolver, LiteralsAndHostsNames) {
    const Resolver resolver(
        HostsTable::parse("# comment\n127.0.0.1\tlocalhost loopback\n::1 localhost ip6-localhost\n"
                          "10.0.0.7 pbx.example.com # trailing comment\nnot-an-address foo\n"));
    EXPECT_EQ(resolver.resolve("192.0.2.1")->to_string(), "192.0.2.1");
    EXPECT_EQ(resolver.resolve("[::1]")->to_string(), "::1");
    EXPECT_EQ(resolver.resolve("LOCALHOST")->to_string(), "127.0.0.1");
    EXPECT_EQ(resolver.resolve("ip6-localhost")->to_string(), "::1");
    EXPECT_EQ(resolver.resolve("pbx.example.com")->to_string(), "10.0.0.7");
    const auto missing = resolver.resolve("foo");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().status, 478);
}

TEST(Resolver, UriDestinations) {
    const Resolver resolver;
    auto destination = [&](std::string_view text) {
        auto uri = sip::parse_uri(text);
        EXPECT_TRUE(uri.ok()) << text;
        return uri_destination(*uri, resolver);
    };
    EXPECT_EQ(destination("sip:bob@192.0.2.1")->to_string(), "udp:192.0.2.1:5060");
    EXPECT_EQ(destination("sip:bob@192.0.2.1:5080;transport=TCP")->to_string(),
              "tcp:192.0.2.1:5080");
    EXPECT_EQ(destination("sip:bob@example.com;maddr=192.0.2.9")->to_string(),
              "udp:192.0.2.9:5060");
    EXPECT_EQ(destination("sip:[2001:db8::1]:5062")->to_string(), "udp:[2001:db8::1]:5062");
    EXPECT_EQ(destination("sips:bob@192.0.2.1").error().status, 503);
    EXPECT_EQ(destination("sip:bob@192.0.2.1;transport=sctp").error().status, 503);
    EXPECT_EQ(destination("tel:+123").error().status, 416);
}

TEST(LocalAddresses, RecognisesItsUrisAndVias) {
    const LocalAddresses local({endpoint("udp:192.0.2.1:5060"), endpoint("tcp:192.0.2.1:5060"),
                                endpoint("udp:[2001:db8::1]:5070")});
    const Resolver resolver(HostsTable::parse("192.0.2.1 proxy.example.com\n"));
    auto is_local = [&](std::string_view text) {
        return local.is_local_uri(*sip::parse_uri(text), resolver);
    };
    EXPECT_TRUE(is_local("sip:192.0.2.1;lr"));
    EXPECT_TRUE(is_local("sip:192.0.2.1:5060;transport=tcp;lr"));
    EXPECT_TRUE(is_local("sip:proxy.example.com;lr"));
    EXPECT_TRUE(is_local("sip:[2001:db8::1]:5070;lr"));
    EXPECT_FALSE(is_local("sip:192.0.2.1:5061;lr"));
    EXPECT_FALSE(is_local("sip:192.0.2.2;lr"));
    EXPECT_FALSE(is_local("tel:+1234"));

    const auto via = sip::parse_via("SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx");
    EXPECT_TRUE(local.is_local_sent_by(*via));
    const auto other = sip::parse_via("SIP/2.0/UDP 192.0.2.1:5080;branch=z9hG4bKx");
    EXPECT_FALSE(local.is_local_sent_by(*other));
}

TEST(LocalAddresses, PicksTheListenerForADestination) {
    const LocalAddresses local({endpoint("udp:192.0.2.1:5060"), endpoint("udp:198.51.100.1:5060"),
                                endpoint("tcp:192.0.2.1:5060")});
    EXPECT_EQ(local.listener_for(endpoint("udp:203.0.113.9:5060"))->to_string(),
              "udp:192.0.2.1:5060");
    EXPECT_EQ(
        local.listener_for(endpoint("udp:203.0.113.9:5060"), endpoint("udp:198.51.100.1:5060"))
            ->to_string(),
        "udp:198.51.100.1:5060");
    EXPECT_EQ(local.listener_for(endpoint("tcp:203.0.113.9:5060"))->to_string(),
              "tcp:192.0.2.1:5060");
    EXPECT_FALSE(local.listener_for(endpoint("udp:[2001:db8::9]:5060")));
}

TEST(LocalAddresses, HeaderValues) {
    EXPECT_EQ(record_route_value(endpoint("udp:192.0.2.1:5060"), "192.0.2.1"),
              "<sip:192.0.2.1:5060;lr>");
    EXPECT_EQ(record_route_value(endpoint("tcp:192.0.2.1:5062"), "192.0.2.1"),
              "<sip:192.0.2.1:5062;transport=tcp;lr>");
    EXPECT_EQ(via_value(endpoint("tcp:192.0.2.1:5060"), "192.0.2.1", "z9hG4bKabc"),
              "SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKabc");
    EXPECT_EQ(advertised_host(endpoint("udp:0.0.0.0:5060"), endpoint("udp:10.1.1.1:5060")),
              "10.1.1.1");
    EXPECT_EQ(advertised_host(endpoint("udp:[::1]:5060")), "[::1]");
}

TEST(AddressText, SpelledAsTheTransportSpellsIt) {
    for (const char* text : {"udp:127.0.0.1:5060", "tcp:0.0.0.0:1", "udp:255.255.255.255:65535",
                             "udp:10.0.200.9:5080", "tcp:[2001:db8::1]:5061", "udp:[::1]:5060"}) {
        const transport::Endpoint parsed = endpoint(text);
        EXPECT_EQ(endpoint_text(parsed), parsed.to_string());
        EXPECT_EQ(address_text(parsed.address), parsed.address.to_string());
        EXPECT_EQ(uri_host_text(parsed.address), parsed.address.to_uri_host());
    }
}

TEST(TransactionSlots, GenerationsKeepEntriesApart) {
    TransactionSlots<int> slots;
    const txn::TransactionId first(3, 1);
    const txn::TransactionId reused(3, 2);
    EXPECT_EQ(slots.find(first), nullptr);
    slots.assign(first, 7);
    ASSERT_NE(slots.find(first), nullptr);
    EXPECT_EQ(*slots.find(first), 7);
    EXPECT_EQ(slots.find(reused), nullptr);
    EXPECT_EQ(slots.size(), 1u);
    slots.assign(reused, 8);
    EXPECT_EQ(slots.find(first), nullptr);
    EXPECT_EQ(*slots.find(reused), 8);
    EXPECT_EQ(slots.size(), 1u);
    EXPECT_FALSE(slots.erase(first));
    EXPECT_TRUE(slots.erase(reused));
    EXPECT_EQ(slots.size(), 0u);
    slots.assign(txn::TransactionId(0, 1), 1);
    slots.assign(txn::TransactionId(9, 1), 2);
    int sum = 0;
    slots.for_each([&sum](int value) { sum += value; });
    EXPECT_EQ(sum, 3);
}

TEST(LoopDetection, BranchCarriesTheHash) {
    const std::string branch = loop_branch(0xdeadbeef, "z9hG4bK0123456789abcdef");
    EXPECT_EQ(branch, "z9hG4bKdeadbeef-0123456789abcdef");
    EXPECT_EQ(branch_loop_hash(branch), 0xdeadbeefu);
    EXPECT_FALSE(branch_loop_hash("z9hG4bK0123456789abcdef"));
    EXPECT_FALSE(branch_loop_hash("z9hG4bKdeadbeeX-1"));
    EXPECT_FALSE(branch_loop_hash("1234"));
}

TEST(LoopDetection, HashFollowsTheRequestIdentity) {
    Request request;
    const sip::Message a = parse(request.text());
    request.branch = "z9hG4bK-other-hop";  // the top Via does not count
    const sip::Message b = parse(request.text());
    EXPECT_EQ(loop_hash(a), loop_hash(b));
    request.uri = "sip:carol@127.0.0.1";
    EXPECT_NE(loop_hash(a), loop_hash(parse(request.text())));
    Request other_cseq;
    other_cseq.cseq = 2;
    EXPECT_NE(loop_hash(a), loop_hash(parse(other_cseq.text())));
}

TEST(LoopDetection, DetectsOwnViaWithSameHash) {
    const LocalAddresses local({kProxyUdp});
    Request request;
    const sip::Message original = parse(request.text());
    const std::string ours = loop_branch(loop_hash(original), "z9hG4bK0000000000000001");
    request.extra.clear();
    std::string looped = request.text();
    const std::string via_line = "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=" + ours + "\r\n";
    looped.insert(looped.find("\r\n") + 2, via_line);
    EXPECT_TRUE(is_looping(parse(looped), local));
    EXPECT_FALSE(is_looping(original, local));
    // Someone else's Via with the same branch text is not ours.
    std::string foreign = request.text();
    foreign.insert(foreign.find("\r\n") + 2,
                   "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=" + ours + "\r\n");
    EXPECT_FALSE(is_looping(parse(foreign), local));
}

TEST(BestResponse, RulesOfSection16_7) {
    EXPECT_FALSE(best_response({}));
    const std::vector<int> six{486, 603, 404};
    EXPECT_EQ(best_response(six), 1u);
    const std::vector<int> lowest{503, 486, 302};
    EXPECT_EQ(best_response(lowest), 2u);
    const std::vector<int> retry{404, 407, 486};
    EXPECT_EQ(best_response(retry), 1u);
    const std::vector<int> first{486, 404};
    EXPECT_EQ(best_response(first), 0u);
    EXPECT_EQ(forwarded_status(503), 500);
    EXPECT_EQ(forwarded_status(486), 486);
}

TEST(StatusPattern, AlternativesDigitsAndClasses) {
    EXPECT_TRUE(*status_matches(486, "486"));
    EXPECT_TRUE(*status_matches(408, "486|408"));
    EXPECT_TRUE(*status_matches(503, "5.."));
    EXPECT_TRUE(*status_matches(503, "5[0-9][0-9]"));
    EXPECT_TRUE(*status_matches(487, "48[67]"));
    EXPECT_FALSE(*status_matches(480, "48[67]"));
    EXPECT_FALSE(*status_matches(4860, "486"));
    EXPECT_FALSE(*status_matches(0, "..."));
    EXPECT_FALSE(status_matches(486, "4*").ok());
    EXPECT_FALSE(status_matches(486, "4[8").ok());
}

TEST(ProxyModule, OptionsFromModparams) {
    script::ScriptConfig config;
    config.modparams["tm"]["T1_timer"] = std::int64_t{250};
    config.modparams["tm"]["T2_timer"] = std::int64_t{2000};
    config.modparams["tm"]["fr_inv_timeout"] = std::int64_t{240};
    config.modparams["dialog"]["max_duration"] = std::int64_t{3600};
    const ProxyOptions options = proxy_options(config);
    EXPECT_EQ(options.transactions.timers.t1, txn::Duration{250});
    EXPECT_EQ(options.transactions.timers.t2, txn::Duration{2000});
    EXPECT_EQ(options.transactions.timers.t4, txn::Duration{5000});
    EXPECT_EQ(options.max_duration, std::chrono::seconds{3600});
    EXPECT_EQ(options.timer_c, std::chrono::seconds{240});
}

TEST(ProxyModule, OverloadCapsFromModparams) {
    script::ScriptConfig config;
    ProxyOptions options = proxy_options(config);
    EXPECT_EQ(options.transactions.max_transactions, kDefaultMaxTransactions);
    EXPECT_EQ(options.max_dialogs, kDefaultMaxDialogs);
    EXPECT_EQ(options.max_unreplied_invites, kDefaultMaxUnrepliedInvites);
    EXPECT_EQ(options.retry_after, std::chrono::seconds{5});
    config.modparams["tm"]["max_transactions"] = std::int64_t{5000};
    config.modparams["tm"]["max_unreplied_invites"] = std::int64_t{300};
    config.modparams["tm"]["overload_retry_after"] = std::int64_t{30};
    config.modparams["dialog"]["max_dialogs"] = std::int64_t{2000};
    options = proxy_options(config);
    EXPECT_EQ(options.transactions.max_transactions, 5000u);
    EXPECT_EQ(options.max_unreplied_invites, 300u);
    EXPECT_EQ(options.retry_after, std::chrono::seconds{30});
    EXPECT_EQ(options.max_dialogs, 2000u);
}

TEST(ProxyModule, RegistersWithoutAProxyForChecking) {
    script::ModuleRegistry registry;
    ASSERT_TRUE(add_proxy_modules(registry, nullptr).ok());
    EXPECT_NE(registry.find_function("t_relay"), nullptr);
    EXPECT_NE(registry.find_function("dlg_send_sequential"), nullptr);
    EXPECT_NE(registry.find_param("tm", "T1_timer"), nullptr);
    EXPECT_NE(registry.find_param("dialog", "max_duration"), nullptr);
}

}  // namespace
}  // namespace tandem::proxy::testing
