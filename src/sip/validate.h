// What a proxy or a user agent checks before it processes a parsed message,
// and the framing of messages on stream transports. Every rejection carries a
// short reason fit for a reason phrase and the status to answer with (400
// unless said otherwise).
#pragma once

#include <cstddef>
#include <string_view>

#include "base/result.h"
#include "sip/message.h"

namespace tandem::sip {

struct ValidationOptions {
    // Reject a request without Max-Forwards ("Missing Max-Forwards"). Off by
    // default: RFC 3261 section 16.6 lets a proxy add Max-Forwards: 70 to a
    // request that lacks one, and a UAS has no reason to refuse it.
    bool require_max_forwards = false;
    // The message arrived on a stream (TCP, TLS, WebSocket) rather than a
    // datagram: Content-Length is then mandatory ("Missing Content-Length").
    bool stream = false;
};

// Checks a request. In this order, with these reasons:
//   "Version Not Supported" (505)         version other than SIP/2.0
//   "Bad Request-URI"                      request-URI does not parse or has ?headers
//   "Missing Via" / "Bad Via"
//   "Missing From" / "Bad From" / "Multiple From headers"   (same for To)
//   "Missing Call-ID" / "Bad Call-ID" / "Multiple Call-ID headers"
//   "Missing CSeq" / "Bad CSeq" / "Multiple CSeq headers"
//   "CSeq number too large"                above 2^31-1
//   "CSeq method does not match request method"
//   "Missing Max-Forwards" (if required) / "Bad Max-Forwards" / "Multiple Max-Forwards headers"
//   "Missing Content-Length" (streams) / "Bad Content-Length" /
//   "Multiple Content-Length headers" / "Content-Length larger than body"
//   "Bad Content-Type" / "Missing Content-Type" (a body without one)
//   "Bad Contact" / "Bad Route" / "Bad Record-Route"
Status validate_request(const Message& request, const ValidationOptions& options = {});

// Checks a response: the same header checks (without Max-Forwards and
// request-method matching).
Status validate_response(const Message& response, const ValidationOptions& options = {});

// validate_request or validate_response, as fits the message.
Status validate(const Message& message, const ValidationOptions& options = {});

// One step of cutting a stream into messages.
struct StreamFrame {
    enum class Kind {
        NeedMore,   // no complete message yet: read more, call again
        Message,    // `length` bytes at the front are one complete message
        KeepAlive,  // `length` bytes of CRLF at the front (RFC 5626 ping/pong)
    };
    Kind kind = Kind::NeedMore;
    std::size_t length = 0;
};

// Looks at the front of a stream buffer. Line ends are CRLF or bare LF (as
// in parse()). Errors (the connection should then be closed):
//   "Missing Content-Length", "Bad Content-Length",
//   "Multiple Content-Length headers", "Message too large" (the header
//   section or header plus body would exceed `max_message_bytes`).
Result<StreamFrame> frame_stream(std::string_view buffer, std::size_t max_message_bytes = 65535);

}  // namespace tandem::sip
