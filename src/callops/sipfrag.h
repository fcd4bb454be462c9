// The body of a NOTIFY for a REFER subscription (RFC 3515 section 2.4.5):
// a message/sipfrag whose first line is the status line of the transferee's
// new call ("SIP/2.0 180 Ringing").
#pragma once

#include <string_view>

#include "base/result.h"

namespace tandem::callops {

struct SipFragStatus {
    int code = 0;
    // "180 Ringing": what follows "SIP/2.0 " on the status line, as events
    // report it.
    std::string_view status;
};

// The status line of a sipfrag body; fails (400) when the body does not
// start with "SIP/2.0 <3 digits>".
Result<SipFragStatus> parse_sipfrag(std::string_view body);

}  // namespace tandem::callops
