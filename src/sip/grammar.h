// Grammar checks shared by the sip layer's parsers (internal to the layer).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/strings.h"
#include "sip/chars.h"
#include "sip/header_id.h"
#include "sip/headers.h"
#include "sip/syntax.h"
#include "sip/uri.h"

namespace tandem::sip::grammar {

// Index just past the quoted string that starts at text[start] == '"'
// (backslash escapes honoured); npos when it is unterminated.
std::size_t skip_quoted(std::string_view text, std::size_t start);

// Removes leading LWS (SP, HTAB, CR, LF: folded values).
std::string_view ltrim(std::string_view text);

bool valid_ipv4(std::string_view text);
// The text between the brackets of an IPv6 reference.
bool valid_ipv6(std::string_view text);

// What kind of host `text` is (an IPv6 reference must keep its brackets);
// nullopt when it is not a valid host.
std::optional<HostKind> classify_host(std::string_view text);

enum class ParamScan { Found, End, Error };

// Reads the header parameter that starts at text[pos] (strictly: LWS ";" LWS
// token [ LWS "=" LWS ( token / host / quoted-string ) ]) into `param` and
// moves `pos` past it. End when only LWS is left or a ',' ends the list
// element (`pos` then is at the end or at the ','); Error on anything else.
ParamScan next_header_param(std::string_view text, std::size_t& pos, Param& param);

// Header parameters: *( SEMI generic-param ) with LWS allowed around ';' and
// '=', where a value is a token, a host or a quoted string.
bool valid_header_params(std::string_view raw);

// parse_uri() into `uri`, which must be default-constructed.
Status parse_uri_into(std::string_view text, Uri& uri);

// Reads the parameters of a list element from text[pos] strictly (see
// next_header_param()), handing each to on_param(const Param&) -> Status, and
// sets `params` to their text. `pos` is left at the end or at the ',' that
// ends the element.
template <typename OnParam>
Status scan_element_params(std::string_view text, std::size_t& pos, Params& params,
                           OnParam on_param) {
    const std::size_t start = chars::skip(text, pos, chars::kLws);
    std::size_t i = pos;
    Param param;
    while (true) {
        const ParamScan scan = next_header_param(text, i, param);
        if (scan == ParamScan::End) break;
        if (scan == ParamScan::Error) return make_error("Bad parameters");
        if (auto status = on_param(param); !status) return status;
    }
    params = Params(trim(text.substr(start, i - start)), ';');
    pos = i;
    return {};
}

// The display name and URI of a name-addr or addr-spec element at text[pos];
// leaves `pos` where its header parameters start.
Status parse_name_addr_head(std::string_view text, std::size_t& pos, NameAddr& out);

// Parses the name-addr or addr-spec element that starts at text[pos], up to
// the end of `text` or a top-level ',' (where `pos` is left), handing each
// header parameter to on_param(const Param&) -> Status as it goes.
template <typename OnParam>
Status parse_name_addr_with(std::string_view text, std::size_t& pos, NameAddr& out,
                            OnParam on_param) {
    const std::size_t start = chars::skip(text, pos, chars::kLws);
    if (auto status = parse_name_addr_head(text, pos, out); !status) return status;
    if (auto status = scan_element_params(text, pos, out.params, on_param); !status) {
        return status;
    }
    out.text = trim(text.substr(start, pos - start));
    return {};
}

// parse_name_addr_with() without a parameter handler.
Status parse_name_addr_at(std::string_view text, std::size_t& pos, NameAddr& out);

// The Via and Contact element parsers, with the same contract as
// parse_name_addr_at().
Status parse_via_at(std::string_view text, std::size_t& pos, Via& via);
Status parse_contact_at(std::string_view text, std::size_t& pos, Contact& contact);

// Parses every comma-separated element of a list header value with
// `parse_at` into `out.emplace_back()` (in place: no separate splitting pass).
// Empty elements are skipped; a value without any element fails with
// `empty_reason` unless it is empty. On error the failed element is removed.
template <typename List, typename ParseAt>
Status parse_elements(std::string_view value, List& out, ParseAt parse_at,
                      std::string_view empty_reason) {
    std::size_t pos = 0;
    std::size_t parsed = 0;
    while (true) {
        while (pos < value.size() && (value[pos] == ',' || chars::is_lws(value[pos])))
            ++pos;
        if (pos >= value.size()) break;
        if (auto status = parse_at(value, pos, out.emplace_back()); !status) {
            out.pop_back();
            return status;
        }
        ++parsed;
        pos = chars::skip(value, pos, chars::kLws);
        if (pos < value.size() && value[pos] != ',') return make_error("Bad list separator");
    }
    if (parsed == 0 && !empty_reason.empty()) return make_error(std::string(empty_reason));
    return {};
}

// header_id() for a name known to hold only token characters (as the
// message parser's header index guarantees), skipping the check for CR.
HeaderId token_header_id(std::string_view name);

// callid = word [ "@" word ]
bool valid_call_id(std::string_view text);

}  // namespace tandem::sip::grammar
