// URIs (sip, sips, tel, and any other absolute URI kept opaque) and the
// name-addr / addr-spec forms that carry them in headers. All fields are views
// into the parsed text: the text must outlive the Uri.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/result.h"
#include "sip/syntax.h"

namespace tandem::sip {

enum class UriScheme : std::uint8_t { Sip, Sips, Tel, Other };

enum class HostKind : std::uint8_t {
    None,  // tel and opaque URIs
    Name,  // a host name
    IPv4,  // dotted quad
    IPv6,  // an IPv6 reference; Uri::host keeps the brackets
};

// A parsed URI.
//   sip/sips: user, password, host, port, params, headers as written
//             (%-escapes are not decoded; comparisons decode them).
//   tel:      user holds the telephone number, params its parameters.
//   other:    only scheme_text and opaque (everything after "scheme:").
struct Uri {
    UriScheme scheme = UriScheme::Other;
    std::string_view scheme_text;  // as written, e.g. "SIP"
    std::string_view user;         // empty when there is no userinfo
    std::string_view password;     // meaningful when has_password
    bool has_password = false;
    std::string_view host;  // "[2001:db8::1]" for IPv6 references
    HostKind host_kind = HostKind::None;
    std::optional<std::uint16_t> port;
    Params params;                            // ";transport=tcp;lr" (separator ';')
    Params headers{std::string_view{}, '&'};  // "Replaces=...&Subject=..." (after '?')
    std::string_view opaque;                  // other schemes: text after "scheme:"
    std::string_view text;                    // the whole URI as written

    bool is_sip() const { return scheme == UriScheme::Sip || scheme == UriScheme::Sips; }
    // The host without IPv6 brackets.
    std::string_view host_address() const;
    // Shorthands for well-known URI parameters; nullopt when absent, "" for a
    // parameter present without a value.
    std::optional<std::string_view> param(std::string_view name) const { return params.get(name); }
    std::optional<std::string_view> transport() const { return params.get("transport"); }
    std::optional<std::string_view> maddr() const { return params.get("maddr"); }
    bool loose_route() const { return params.has("lr"); }
    // A URI header as written (still %-escaped; see unescape()).
    std::optional<std::string_view> header(std::string_view name) const {
        return headers.get(name);
    }
};

// Parses an absolute URI. sip/sips/tel are parsed into their parts; any other
// scheme must be a valid scheme name followed by ':' and at least one
// character, and is kept opaque. Rejects whitespace, control characters,
// malformed %-escapes, ports above 65535 and malformed hosts.
Result<Uri> parse_uri(std::string_view text);

// RFC 3261 section 19.1.4 URI equivalence for sip/sips: same scheme; user and
// password equal case-sensitively after %-decoding; host equal ignoring case;
// a port present in one must be present and equal in the other; the user,
// ttl, method and maddr parameters (and transport) must either be absent from
// both or equal in both; other parameters are compared only when present in
// both; headers must be the same set with equal values. tel URIs compare
// their numbers ignoring visual separators and their parameters as sets;
// other schemes compare their text (scheme ignoring case).
bool uri_equivalent(const Uri& a, const Uri& b);

// The value of one name-addr or addr-spec header element:
//   "Bob" <sip:bob@example.com>;tag=1   Bob <sip:bob@example.com>;tag=1
//   <sip:bob@example.com>;tag=1         sip:bob@example.com;tag=1
// In the last (bare addr-spec) form the parameters after the URI belong to
// the header, not to the URI, and the URI cannot carry parameters or headers.
struct NameAddr {
    // Display name as written: between the quotes (backslash escapes kept,
    // see unquote()) or the tokens before '<'; empty when absent.
    std::string_view display_name;
    bool display_name_quoted = false;
    bool bracketed = false;  // the URI was enclosed in <...>
    Uri uri;
    Params params;          // header parameters, e.g. ";tag=1;expires=60"
    std::string_view text;  // the whole element as given
};

// Parses one element (no top-level commas; split lists with ValueSplitter
// first). Leading and trailing LWS is ignored.
Result<NameAddr> parse_name_addr(std::string_view text);

}  // namespace tandem::sip
