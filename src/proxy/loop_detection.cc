#include "proxy/loop_detection.h"

#include "proxy/call_id.h"
#include "txn/branch.h"

namespace tandem::proxy {
namespace {

constexpr std::size_t kHashDigits = 8;

void mix(std::uint64_t& hash, std::string_view text) {
    // FNV-1a continued over each field, with a separator so that moving
    // bytes from one field into the next changes the hash.
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    hash ^= 0xff;
    hash *= 0x100000001b3ULL;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

}  // namespace

std::uint32_t loop_hash(const sip::Message& request) {
    std::uint64_t hash = call_id_hash({});
    mix(hash, request.request_uri_text());
    const auto from = request.from();
    mix(hash, from ? from->tag : std::string_view{});
    const auto to = request.to();
    mix(hash, to ? to->tag : std::string_view{});
    mix(hash, request.call_id());
    const auto cseq = request.cseq();
    mix(hash, cseq ? std::to_string(cseq->number) : std::string{});
    for (const sip::HeaderView line : request.headers(sip::HeaderId::ProxyRequire)) {
        mix(hash, line.value);
    }
    for (const sip::HeaderView line : request.headers(sip::HeaderId::ProxyAuthorization)) {
        mix(hash, line.value);
    }
    return static_cast<std::uint32_t>(hash ^ (hash >> 32));
}

std::string loop_branch(std::uint32_t hash, std::string_view unique) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string branch(txn::kMagicCookie);
    for (int shift = 28; shift >= 0; shift -= 4)
        branch += kDigits[(hash >> shift) & 0xf];
    branch += '-';
    if (txn::has_magic_cookie(unique)) unique.remove_prefix(txn::kMagicCookie.size());
    branch += unique;
    return branch;
}

std::optional<std::uint32_t> branch_loop_hash(std::string_view branch) {
    if (!txn::has_magic_cookie(branch)) return std::nullopt;
    branch.remove_prefix(txn::kMagicCookie.size());
    if (branch.size() <= kHashDigits || branch[kHashDigits] != '-') return std::nullopt;
    std::uint32_t hash = 0;
    for (std::size_t i = 0; i < kHashDigits; ++i) {
        const int digit = hex_value(branch[i]);
        if (digit < 0) return std::nullopt;
        hash = (hash << 4) | static_cast<std::uint32_t>(digit);
    }
    return hash;
}

bool is_looping(const sip::Message& request, const LocalAddresses& local) {
    const auto vias = request.vias();
    if (!vias) return false;
    std::optional<std::uint32_t> current;
    for (const sip::Via& via : *vias) {
        const auto carried = branch_loop_hash(via.branch);
        if (!carried || !local.is_local_sent_by(via)) continue;
        if (!current) current = loop_hash(request);
        if (*carried == *current) return true;
    }
    return false;
}

}  // namespace tandem::proxy
