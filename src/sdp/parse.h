// Parsing an SDP body (RFC 4566) into the value model.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/result.h"
#include "sdp/session_description.h"

namespace tandem::sdp {

// Limits that bound the work and memory one body can cost.
inline constexpr std::size_t kMaxMediaDescriptions = 64;
inline constexpr std::size_t kMaxLines = 4096;

// Parses an SDP body with CRLF or bare LF line ends (a missing final line end
// and trailing empty lines are tolerated). The order of lines is enforced
// only where the meaning depends on it: v=0 comes first, o= and s= appear
// once before the first m=, r= follows a t=, and a media section accepts
// only the lines RFC 4566 allows there. Unknown line types are rejected
// (RFC 4566 section 5), as are lines without "<letter>=" and NUL or CR
// inside a line. Errors carry status 400 and a reason naming the line.
Result<SessionDescription> parse(std::string_view text);

}  // namespace tandem::sdp
