// The Via rules of the receiving side: stamping `received` and `rport` into
// the top Via of a request (RFC 3261 18.2.1, RFC 3581 section 4) and working
// out where the responses to a request go (RFC 3261 18.2.2, RFC 3581).
#pragma once

#include <optional>
#include <string>

#include "base/result.h"
#include "sip/headers.h"
#include "sip/message.h"
#include "transport/endpoint.h"
#include "transport/transport.h"

namespace tandem::txn {

// The top Via element `via` of a request that arrived from `source`, with
//   - `received=<source address>` added when the sent-by host is a name or an
//     address other than the source, or when the Via asks for rport (RFC 3581
//     wants `received` then even if the address is the same); an existing
//     `received` with another value is corrected;
//   - an empty `rport` filled with the source port.
// nullopt when the element needs no change (the common case between servers).
std::optional<std::string> stamped_via(const sip::Via& via, const transport::Endpoint& source);

// `request` with its top Via replaced by stamped_via(), re-parsed; `request`
// itself (moved through) when nothing changes or the top Via does not parse.
// Only the top Via element's bytes change; it stays where it was.
Result<sip::Message> stamp_top_via(sip::Message request, const transport::Endpoint& source);

// Where and how to send the responses to a request.
struct ResponseRoute {
    transport::Endpoint destination;
    transport::SendOptions options;
};

// Responses go to the source address of the request (which is the
// `received` address), to the source port when the Via has rport and to the
// sent-by port (default 5060, 5061 for TLS) otherwise; over the connection
// the request came on when that was TCP; from the local socket it arrived on
// for UDP. The Via's maddr (multicast) is not honoured: see docs/txn.md.
ResponseRoute response_route(const sip::Via& top_via, const transport::Endpoint& source,
                             const transport::Endpoint& local, transport::ConnectionId connection);

}  // namespace tandem::txn
