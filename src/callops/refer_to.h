// The texts of a transfer: the Refer-To a REFER carries (RFC 3515, with an
// embedded Replaces for attended transfers, RFC 3891), the matching
// parameter that ties the call coming back to the transferred one, and
// taking that parameter off a Request-URI again. Pure functions on text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tandem::callops {

// %-escapes what a URI parameter value may not hold as is (RFC 3261
// paramchar: unreserved and "[]/:&+$"), e.g. '@' and ';'.
std::string escape_param_value(std::string_view value);
// %-escapes what a URI header value may not hold as is (RFC 3261 hvalue:
// unreserved and "[]/?:+$"), e.g. ';', '=', '@' and '&'.
std::string escape_header_value(std::string_view value);

// `destination` (a sip: or sips: URI) with ";name=value" added to its
// parameters (before any URI headers), the value escaped; without `name`
// (manual mode) the destination as is. Fails (400) when the destination is
// not a SIP URI.
Result<std::string> blind_target(std::string_view destination, std::string_view name,
                                 std::string_view value);

// `destination` with the URI header Replaces=<call_id>;to-tag=<to_tag>;
// from-tag=<from_tag>, escaped ("%3Bto-tag%3D..."). `to_tag` is the tag of
// the party that will receive the INVITE with Replaces, `from_tag` its
// peer's (RFC 3891 section 3). Fails (400) when the destination is not a SIP
// URI or already carries a Replaces header.
Result<std::string> attended_target(std::string_view destination, std::string_view call_id,
                                    std::string_view to_tag, std::string_view from_tag);

// A Refer-To header value for a target: "<target>".
std::string refer_to_value(std::string_view target);

// The matching parameter found in a Request-URI, and the URI without it.
struct TakenParam {
    std::string value;  // %-escapes decoded
    std::string uri;    // the Request-URI with the parameter removed
};

// Finds parameter `name` in a SIP Request-URI and takes it off; nullopt
// when the URI has none (or does not parse).
std::optional<TakenParam> take_uri_param(std::string_view request_uri, std::string_view name);

}  // namespace tandem::callops
