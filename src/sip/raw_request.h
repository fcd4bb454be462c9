// What it takes to answer a request that Message::parse or the header
// parsers refused. RFC 3261 wants a malformed request answered (400 with the
// reason, 8.2 and 16.3) whenever the answer can reach its sender: that needs
// the top Via and the headers a response copies (8.2.6.2: Via, From, To,
// Call-ID, CSeq), which a lenient line scan still finds in most broken
// requests. Only a message that lacks them, a response, or an ACK (which is
// never answered) is dropped.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/headers.h"

namespace tandem::sip {

// Views into the scanned bytes.
struct RawRequestHead {
    std::string_view method;
    std::vector<std::string_view> via_lines;  // the value of every Via line, in order
    Via top_via;                              // the first element of the first Via line
    std::string_view from;
    std::string_view to;
    std::string_view call_id;
    std::string_view cseq;
};

// Scans the header section of `bytes` line by line: a line without a colon
// or with a name that is no token is skipped, folded lines belong to the
// header above them, the first From, To, Call-ID and CSeq are taken (full or
// compact names). nullopt when `bytes` does not start with a method token
// and a space, the method is ACK, one of Via, From, To, Call-ID or CSeq is
// missing or empty, or the top Via element does not parse.
std::optional<RawRequestHead> scan_request_head(std::string_view bytes);

// "SIP/2.0 <status> <reason>" with the Via lines, From, To, Call-ID and CSeq
// copied as written, a To tag added when `to_tag` is not empty and the To has
// none, and Content-Length 0. A reason holding other than printable
// characters is replaced by "Bad Request".
std::string raw_response(const RawRequestHead& head, int status, std::string_view reason,
                         std::string_view to_tag = {});

}  // namespace tandem::sip
