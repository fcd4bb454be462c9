// Writing the value model back to an SDP body.
#pragma once

#include <string>

#include "sdp/session_description.h"

namespace tandem::sdp {

// Appends the body to `out`, every line ended by CRLF. Lines are written in
// the order recorded by `line_order` when the description was parsed, so an
// unmodified description comes out byte for byte as it went in (up to line
// ends, and leading zeros of numbers). Lines added since take their RFC 4566
// place: after the last line of their kind, or where their kind belongs in
// the RFC order when the section had none.
void write(const SessionDescription& session, std::string& out);

// The body as a new string.
std::string to_string(const SessionDescription& session);

}  // namespace tandem::sdp
