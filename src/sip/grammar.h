// Grammar checks shared by the sip layer's parsers (internal to the layer).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

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

// Header parameters: *( SEMI generic-param ) with LWS allowed around ';' and
// '=', where a value is a token, a host or a quoted string.
bool valid_header_params(std::string_view raw);

// A display name in token form: tokens separated by LWS (UTF-8 bytes are let
// through, as deployed user agents send them).
bool valid_token_display_name(std::string_view text);

// callid = word [ "@" word ]
bool valid_call_id(std::string_view text);

}  // namespace tandem::sip::grammar
