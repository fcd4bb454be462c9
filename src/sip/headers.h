// Structured forms of the headers Tandem reads, and the parsers that build
// them from a header value. Every field is a view into the parsed text; the
// parsers never copy. Values may contain folded line breaks (CRLF followed by
// whitespace); the parsers treat them as whitespace.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "sip/method.h"
#include "sip/syntax.h"
#include "sip/uri.h"

namespace tandem::sip {

// One Via element: SIP/2.0/UDP host:port;branch=...;received=...;rport
struct Via {
    std::string_view protocol_name;     // "SIP"
    std::string_view protocol_version;  // "2.0"
    std::string_view transport;         // "UDP", "TCP", "TLS", "WS", ... as written
    std::string_view host;              // sent-by host; IPv6 keeps its brackets
    HostKind host_kind = HostKind::Name;
    std::optional<std::uint16_t> port;
    std::string_view branch;  // empty when absent
    std::optional<std::string_view> received;
    bool has_rport = false;              // ";rport" with or without a value
    std::optional<std::uint16_t> rport;  // the value of ";rport=N"
    std::optional<std::string_view> maddr;
    std::optional<std::uint8_t> ttl;
    Params params;          // every parameter as written, known ones included
    std::string_view text;  // the whole element
};

// From and To: a name-addr with its tag.
struct FromTo : NameAddr {
    std::string_view tag;  // empty when absent
};

struct CSeq {
    std::uint32_t number = 0;
    Method method = Method::Other;
    std::string_view method_text;
};

// One Contact element, or the wildcard "*" of a REGISTER that removes all
// bindings (then the NameAddr part is empty).
struct Contact : NameAddr {
    bool wildcard = false;
    std::optional<std::uint32_t> expires;  // ";expires=N", capped at 2^32-1
    std::string_view q;                    // ";q=0.5" as written; empty when absent
};

struct ContentType {
    std::string_view type;     // "application"
    std::string_view subtype;  // "sdp"
    Params params;             // ";charset=utf-8"
    // Case-insensitive media type check: is("application", "sdp").
    bool is(std::string_view type_name, std::string_view subtype_name) const;
};

// Event: presence;id=7 (RFC 6665). The package may carry template suffixes
// ("presence.winfo").
struct Event {
    std::string_view package;
    std::string_view id;  // empty when absent
    Params params;
};

// Replaces: call-id;to-tag=x;from-tag=y[;early-only] (RFC 3891).
struct Replaces {
    std::string_view call_id;
    std::string_view to_tag;
    std::string_view from_tag;
    bool early_only = false;
    Params params;
};

// Session-Expires: delta-seconds[;refresher=uac|uas] (RFC 4028).
struct SessionExpires {
    enum class Refresher : std::uint8_t { Unspecified, Uac, Uas };
    std::uint32_t delta = 0;
    Refresher refresher = Refresher::Unspecified;
    Params params;
};

// Min-SE: delta-seconds (RFC 4028).
struct MinSE {
    std::uint32_t delta = 0;
    Params params;
};

// Parsers of one header element (one comma-separated value of a list header,
// or the whole value of a single-value header).
Result<Via> parse_via(std::string_view element);
Result<FromTo> parse_from_to(std::string_view value);
Result<CSeq> parse_cseq(std::string_view value);
Result<Contact> parse_contact(std::string_view element);
Result<ContentType> parse_content_type(std::string_view value);
Result<Event> parse_event(std::string_view value);
Result<Replaces> parse_replaces(std::string_view value);
Result<SessionExpires> parse_session_expires(std::string_view value);
Result<MinSE> parse_min_se(std::string_view value);
// delta-seconds / Max-Forwards / Content-Length: 1*DIGIT within `max`.
Result<std::uint32_t> parse_number(std::string_view value, std::uint32_t max = UINT32_MAX);

// List parsers: split `value` on top-level commas and append every element
// to `out`. On error `out` keeps the elements parsed before it.
Status parse_via_list(std::string_view value, std::vector<Via>& out);
Status parse_contact_list(std::string_view value, std::vector<Contact>& out);
Status parse_name_addr_list(std::string_view value, std::vector<NameAddr>& out);
// token lists (Require, Supported, Allow ...): every element must be a token.
Status parse_token_list(std::string_view value, std::vector<std::string_view>& out);

}  // namespace tandem::sip
