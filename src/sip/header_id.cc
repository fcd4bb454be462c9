#include "sip/header_id.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

#include "sip/grammar.h"

namespace tandem::sip {
namespace {

struct HeaderInfo {
    HeaderId id;
    std::string_view name;
    char compact;
    bool list;
};

// Indexed by HeaderId.
constexpr std::array<HeaderInfo, kHeaderIdCount> kHeaders{{
    {HeaderId::Other, "", '\0', false},
    {HeaderId::Accept, "Accept", '\0', true},
    {HeaderId::AcceptContact, "Accept-Contact", 'a', true},
    {HeaderId::AcceptEncoding, "Accept-Encoding", '\0', true},
    {HeaderId::AcceptLanguage, "Accept-Language", '\0', true},
    {HeaderId::AlertInfo, "Alert-Info", '\0', true},
    {HeaderId::Allow, "Allow", '\0', true},
    {HeaderId::AllowEvents, "Allow-Events", 'u', true},
    {HeaderId::AuthenticationInfo, "Authentication-Info", '\0', false},
    {HeaderId::Authorization, "Authorization", '\0', false},
    {HeaderId::CallId, "Call-ID", 'i', false},
    {HeaderId::CallInfo, "Call-Info", '\0', true},
    {HeaderId::Contact, "Contact", 'm', true},
    {HeaderId::ContentDisposition, "Content-Disposition", '\0', false},
    {HeaderId::ContentEncoding, "Content-Encoding", 'e', true},
    {HeaderId::ContentLanguage, "Content-Language", '\0', true},
    {HeaderId::ContentLength, "Content-Length", 'l', false},
    {HeaderId::ContentType, "Content-Type", 'c', false},
    {HeaderId::CSeq, "CSeq", '\0', false},
    {HeaderId::Date, "Date", '\0', false},
    {HeaderId::ErrorInfo, "Error-Info", '\0', true},
    {HeaderId::Event, "Event", 'o', false},
    {HeaderId::Expires, "Expires", '\0', false},
    {HeaderId::From, "From", 'f', false},
    {HeaderId::Identity, "Identity", 'y', false},
    {HeaderId::IdentityInfo, "Identity-Info", 'n', false},
    {HeaderId::InReplyTo, "In-Reply-To", '\0', true},
    {HeaderId::MaxForwards, "Max-Forwards", '\0', false},
    {HeaderId::MimeVersion, "MIME-Version", '\0', false},
    {HeaderId::MinExpires, "Min-Expires", '\0', false},
    {HeaderId::MinSE, "Min-SE", '\0', false},
    {HeaderId::Organization, "Organization", '\0', false},
    {HeaderId::PAssertedIdentity, "P-Asserted-Identity", '\0', true},
    {HeaderId::Path, "Path", '\0', true},
    {HeaderId::PPreferredIdentity, "P-Preferred-Identity", '\0', true},
    {HeaderId::Priority, "Priority", '\0', false},
    {HeaderId::Privacy, "Privacy", '\0', false},
    {HeaderId::ProxyAuthenticate, "Proxy-Authenticate", '\0', false},
    {HeaderId::ProxyAuthorization, "Proxy-Authorization", '\0', false},
    {HeaderId::ProxyRequire, "Proxy-Require", '\0', true},
    {HeaderId::RAck, "RAck", '\0', false},
    {HeaderId::Reason, "Reason", '\0', true},
    {HeaderId::RecordRoute, "Record-Route", '\0', true},
    {HeaderId::ReferredBy, "Referred-By", 'b', false},
    {HeaderId::ReferTo, "Refer-To", 'r', false},
    {HeaderId::RejectContact, "Reject-Contact", 'j', true},
    {HeaderId::Replaces, "Replaces", '\0', false},
    {HeaderId::ReplyTo, "Reply-To", '\0', false},
    {HeaderId::RequestDisposition, "Request-Disposition", 'd', true},
    {HeaderId::Require, "Require", '\0', true},
    {HeaderId::RetryAfter, "Retry-After", '\0', false},
    {HeaderId::Route, "Route", '\0', true},
    {HeaderId::RSeq, "RSeq", '\0', false},
    {HeaderId::Server, "Server", '\0', false},
    {HeaderId::ServiceRoute, "Service-Route", '\0', true},
    {HeaderId::SessionExpires, "Session-Expires", 'x', false},
    {HeaderId::SipETag, "SIP-ETag", '\0', false},
    {HeaderId::SipIfMatch, "SIP-If-Match", '\0', false},
    {HeaderId::Subject, "Subject", 's', false},
    {HeaderId::SubscriptionState, "Subscription-State", '\0', false},
    {HeaderId::Supported, "Supported", 'k', true},
    {HeaderId::Timestamp, "Timestamp", '\0', false},
    {HeaderId::To, "To", 't', false},
    {HeaderId::Unsupported, "Unsupported", '\0', true},
    {HeaderId::UserAgent, "User-Agent", '\0', false},
    {HeaderId::Via, "Via", 'v', true},
    {HeaderId::Warning, "Warning", '\0', true},
    {HeaderId::WwwAuthenticate, "WWW-Authenticate", '\0', false},
}};

constexpr bool table_is_in_id_order() {
    for (std::size_t i = 0; i < kHeaders.size(); ++i) {
        if (static_cast<std::size_t>(kHeaders[i].id) != i) return false;
    }
    return true;
}
static_assert(table_is_in_id_order(), "kHeaders must list every HeaderId in enum order");

// Full names are found through a small open-addressing hash table built at
// compile time; the hash mixes the length with the first and last letters,
// which already separates nearly all names, and a comparison confirms.
constexpr std::size_t kSlots = 256;

constexpr std::size_t name_hash(std::string_view name) {
    const auto first = static_cast<unsigned char>(name.front() | 0x20);
    const auto last = static_cast<unsigned char>(name.back() | 0x20);
    return (first * 31u + last * 7u + name.size() * 13u) % kSlots;
}

// The names in lowercase, zero-padded so they can be compared eight bytes at
// a time.
constexpr std::size_t kPaddedName = 24;
using PaddedName = std::array<char, kPaddedName>;

constexpr std::array<PaddedName, kHeaderIdCount> build_lowercase() {
    std::array<PaddedName, kHeaderIdCount> names{};
    for (std::size_t i = 0; i < kHeaders.size(); ++i) {
        const std::string_view name = kHeaders[i].name;
        for (std::size_t j = 0; j < name.size(); ++j) {
            names[i][j] = static_cast<char>(name[j] | 0x20);
        }
    }
    return names;
}

constexpr bool names_fit() {
    for (const auto& info : kHeaders) {
        if (info.name.size() > kPaddedName) return false;
    }
    return true;
}
static_assert(names_fit(), "a header name is longer than kPaddedName");

constexpr std::array<PaddedName, kHeaderIdCount> kLowercase = build_lowercase();

// Whether the N bytes at `name`, lowercased, equal `known` (lowercase). With
// N a constant the comparison is straight-line code: no loop whose trip count
// varies from header to header for the branch predictor to miss. Known names
// hold only letters and '-', so setting the 0x20 bit of a byte lowercases the
// letters; only CR would also turn into '-' (header_id() rules it out).
template <std::size_t N>
bool equal_lowercase(const char* name, const char* known) {
    if constexpr (N >= 8) {
        constexpr std::uint64_t kCaseBits = 0x2020202020202020ULL;
        const auto chunk_equal = [&](std::size_t offset) {
            std::uint64_t given;
            std::uint64_t expected;
            std::memcpy(&given, name + offset, 8);
            std::memcpy(&expected, known + offset, 8);
            return (given | kCaseBits) == expected;
        };
        for (std::size_t offset = 0; offset + 8 <= N; offset += 8) {
            if (!chunk_equal(offset)) return false;
        }
        // The last, overlapping, chunk covers what is left.
        return N % 8 == 0 || chunk_equal(N - 8);
    } else {
        for (std::size_t i = 0; i < N; ++i) {
            if (static_cast<char>(name[i] | 0x20) != known[i]) return false;
        }
        return true;
    }
}

using EqualFunction = bool (*)(const char*, const char*);

template <std::size_t... Sizes>
constexpr std::array<EqualFunction, sizeof...(Sizes)> build_equal_table(
    std::index_sequence<Sizes...>) {
    return {&equal_lowercase<Sizes>...};
}

constexpr auto kEqualBySize = build_equal_table(std::make_index_sequence<kPaddedName + 1>());

bool same_name(std::size_t index, std::string_view name) {
    const std::size_t size = name.size();
    if (size != kHeaders[index].name.size()) return false;
    return kEqualBySize[size](name.data(), kLowercase[index].data());
}

constexpr std::array<std::uint8_t, kSlots> build_slots() {
    std::array<std::uint8_t, kSlots> slots{};  // 0 = empty (HeaderId::Other)
    for (std::size_t i = 1; i < kHeaders.size(); ++i) {
        std::size_t slot = name_hash(kHeaders[i].name);
        while (slots[slot] != 0)
            slot = (slot + 1) % kSlots;
        slots[slot] = static_cast<std::uint8_t>(i);
    }
    return slots;
}

constexpr std::array<std::uint8_t, kSlots> kSlotsTable = build_slots();

constexpr std::array<HeaderId, 26> build_compact() {
    std::array<HeaderId, 26> compact{};
    for (const auto& info : kHeaders) {
        if (info.compact != '\0') compact[static_cast<std::size_t>(info.compact - 'a')] = info.id;
    }
    return compact;
}

constexpr std::array<HeaderId, 26> kCompact = build_compact();

}  // namespace

namespace grammar {

HeaderId token_header_id(std::string_view name) {
    if (name.empty()) return HeaderId::Other;
    if (name.size() == 1) {
        // Setting 0x20 lowercases exactly the ASCII letters into 'a'..'z'.
        const char c = static_cast<char>(name.front() | 0x20);
        if (c < 'a' || c > 'z') return HeaderId::Other;
        return kCompact[static_cast<std::size_t>(c - 'a')];
    }
    for (std::size_t slot = name_hash(name);; slot = (slot + 1) % kSlots) {
        const std::uint8_t index = kSlotsTable[slot];
        if (index == 0) return HeaderId::Other;
        if (same_name(index, name)) return kHeaders[index].id;
    }
}

}  // namespace grammar

HeaderId header_id(std::string_view name) {
    // Header names are tokens; CR is the one non-token byte that same_name()
    // would take for '-'.
    if (!name.empty() && std::memchr(name.data(), '\r', name.size()) != nullptr) {
        return HeaderId::Other;
    }
    return grammar::token_header_id(name);
}

std::string_view header_name(HeaderId id) {
    const auto index = static_cast<std::size_t>(id);
    return index < kHeaders.size() ? kHeaders[index].name : std::string_view{};
}

char compact_form(HeaderId id) {
    const auto index = static_cast<std::size_t>(id);
    return index < kHeaders.size() ? kHeaders[index].compact : '\0';
}

bool is_list_header(HeaderId id) {
    const auto index = static_cast<std::size_t>(id);
    return index < kHeaders.size() && kHeaders[index].list;
}

}  // namespace tandem::sip
