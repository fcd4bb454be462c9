// Messages the transaction layer writes on its own: the ACK for a non-2xx
// final response (RFC 3261 17.1.1.3) and the CANCEL of an INVITE (9.1).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "sip/message.h"

namespace tandem::txn {

// The ACK a client transaction sends for a 300-699 response to `invite`:
// the INVITE's Request-URI, top Via (only that one), From, Call-ID and Route
// headers; the To of `response` (with its tag); CSeq with the INVITE's
// number and method ACK; Max-Forwards: 70; no body.
Result<std::string> build_ack(const sip::Message& invite, const sip::Message& response);

// The CANCEL of `invite`: the same Request-URI, top Via (only that one, so
// the same branch), From, To, Call-ID and Route headers; CSeq with the
// INVITE's number and method CANCEL; Max-Forwards: 70; a Reason header
// (RFC 3326) when `reason` is not empty; no body.
Result<std::string> build_cancel(const sip::Message& invite, std::string_view reason = {});

// The status code of a response's status line ("SIP/2.0 180 Ringing"): the
// transaction layer reads only this from the responses the TU hands it.
// nullopt when the text does not start with a status line of a code in
// 100..699.
std::optional<int> status_of(std::string_view response);

}  // namespace tandem::txn
