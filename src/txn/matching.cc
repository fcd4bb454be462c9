#include "txn/matching.h"

#include "base/strings.h"
#include "sip/uri.h"

namespace tandem::txn {

namespace {

constexpr std::string_view kInvite = "INVITE";

// FNV-1a: short keys, no allocation, good enough spread for a table whose
// entries are verified field by field anyway.
std::uint64_t hash_text(std::string_view text) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

std::uint64_t combine(std::uint64_t seed, std::uint64_t value) {
    return seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

bool same_request_uri(std::string_view a, std::string_view b) {
    if (a == b) return true;
    const auto uri_a = sip::parse_uri(a);
    const auto uri_b = sip::parse_uri(b);
    return uri_a.ok() && uri_b.ok() && sip::uri_equivalent(*uri_a, *uri_b);
}

std::string_view sought_method(const RequestKey& key, Relation relation) {
    return relation == Relation::same ? key.method : kInvite;
}

}  // namespace

Result<RequestKey> request_key(const sip::Message& request) {
    const auto via = request.top_via();
    if (!via) return make_error(via.present() ? std::string(via.reason()) : "Missing Via");
    const auto from = request.from();
    if (!from) return make_error(from.present() ? std::string(from.reason()) : "Missing From");
    const auto to = request.to();
    if (!to) return make_error(to.present() ? std::string(to.reason()) : "Missing To");
    const auto cseq = request.cseq();
    if (!cseq) return make_error(cseq.present() ? std::string(cseq.reason()) : "Missing CSeq");
    if (request.call_id().empty()) return make_error("Missing Call-ID");

    RequestKey key;
    key.branch = via->branch;
    key.sent_by_host = via->host;
    key.sent_by_port = via->port;
    key.method = request.method_text();
    key.request_uri = request.request_uri_text();
    key.call_id = request.call_id();
    key.from_tag = from->tag;
    key.to_tag = to->tag;
    key.top_via = via->text;
    key.cseq = cseq->number;
    return key;
}

std::uint64_t server_hash(const RequestKey& key, Relation relation) {
    if (key.rfc3261()) {
        return combine(hash_text(key.branch), hash_text(sought_method(key, relation)));
    }
    return combine(combine(hash_text(key.call_id), key.cseq), hash_text(key.from_tag));
}

bool matches(const RequestKey& original, const RequestKey& incoming, Relation relation,
             std::string_view response_to_tag) {
    if (original.method != sought_method(incoming, relation)) return false;
    if (incoming.rfc3261()) {
        return original.branch == incoming.branch &&
               iequals(original.sent_by_host, incoming.sent_by_host) &&
               original.sent_by_port == incoming.sent_by_port;
    }
    if (original.rfc3261()) return false;
    if (original.call_id != incoming.call_id || original.cseq != incoming.cseq ||
        original.from_tag != incoming.from_tag || original.top_via != incoming.top_via) {
        return false;
    }
    const std::string_view expected_to_tag =
        relation == Relation::ack ? response_to_tag : original.to_tag;
    if (incoming.to_tag != expected_to_tag) return false;
    return same_request_uri(original.request_uri, incoming.request_uri);
}

std::uint64_t client_hash(std::string_view branch, std::string_view method) {
    return combine(hash_text(branch), hash_text(method));
}

}  // namespace tandem::txn
