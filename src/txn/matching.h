// The matching rules of RFC 3261 17.1.3 (responses to client transactions)
// and 17.2.3 (requests to server transactions, with the RFC 2543 fallback for
// branches without the magic cookie), and 9.2 (a CANCEL to the INVITE it
// cancels), as pure functions over the fields they compare.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/result.h"
#include "sip/message.h"
#include "txn/branch.h"

namespace tandem::txn {

// The fields of a request that decide which server transaction it belongs
// to. Views into the request's text.
struct RequestKey {
    std::string_view branch;
    std::string_view sent_by_host;
    std::optional<std::uint16_t> sent_by_port;
    std::string_view method;  // the request method token
    // Only the RFC 2543 rules look at these.
    std::string_view request_uri;
    std::string_view call_id;
    std::string_view from_tag;
    std::string_view to_tag;
    std::string_view top_via;  // the whole top Via element
    std::uint32_t cseq = 0;

    bool rfc3261() const { return has_magic_cookie(branch); }
};

// The key of a request. Fails (with the reason) when the top Via, From, To,
// Call-ID or CSeq is missing or malformed; sip::validate_request has already
// rejected such requests on the receive path.
Result<RequestKey> request_key(const sip::Message& request);

// How an incoming request relates to the transaction looked for.
enum class Relation : std::uint8_t {
    same,    // the request that created it, or a retransmission
    ack,     // the ACK of the INVITE's non-2xx final response
    cancel,  // a CANCEL of the INVITE (a lookup; the CANCEL has its own transaction)
};

// The index hash of the transaction a request with `key` looks for in
// `relation`; equals server_hash(original, Relation::same) of the request
// that created it. RFC 3261 keys hash branch and method (INVITE for ack and
// cancel), RFC 2543 keys hash Call-ID, CSeq number and From tag.
std::uint64_t server_hash(const RequestKey& key, Relation relation);

// Whether `incoming` belongs, in `relation`, to the server transaction that
// `original` created. RFC 3261 keys: branch (case-sensitive), sent-by
// (host case-insensitive, port) and method (INVITE for ack and cancel)
// equal. RFC 2543 keys: Request-URI (URI equivalence), Call-ID, From tag,
// CSeq number and top Via (the element text) equal, and the To tag equal to
// the original's (same, cancel) or to `response_to_tag`, the To tag of the
// final response the transaction sent (ack); method as above.
bool matches(const RequestKey& original, const RequestKey& incoming, Relation relation,
             std::string_view response_to_tag = {});

// The index hash of a client transaction: the branch of the top Via and the
// method (of the request, or of a response's CSeq). CANCEL shares its
// INVITE's branch but not its hash.
std::uint64_t client_hash(std::string_view branch, std::string_view method);

}  // namespace tandem::txn
