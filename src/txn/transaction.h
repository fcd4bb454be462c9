// One entry of a worker's transaction table. Internal to the transaction
// layer: the TU sees only handles (handles.h).
//
// Size matters (a proxy keeps two of these per call being set up, and for
// 64*T1 after it is answered), so a transaction keeps its request as bytes
// (not a parsed sip::Message, whose header index and caches are several KB)
// and the fields matching compares as spans into those bytes. Paths that need
// more of the request (the 100 Trying, ACK, CANCEL, synthetic 408/503) parse
// the bytes again; they are rare. Once a transaction has its final answer the
// request is cut down to the matching fields ("compacted").
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>

#include "transport/endpoint.h"
#include "transport/transport.h"
#include "txn/matching.h"
#include "txn/state.h"
#include "txn/timer_wheel.h"

namespace tandem::txn::detail {

// A piece of Transaction::request.
struct TextSpan {
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
};

// RequestKey with spans instead of views.
struct StoredKey {
    TextSpan branch;
    TextSpan sent_by_host;
    TextSpan method;
    TextSpan request_uri;
    TextSpan call_id;
    TextSpan from_tag;
    TextSpan to_tag;
    TextSpan top_via;
    std::uint32_t cseq = 0;
    std::uint16_t sent_by_port = 0;
    bool has_sent_by_port = false;
};

enum class Role : std::uint8_t { server, client };

struct Transaction {
    // Server: the request as received (top Via stamped); client: as sent.
    // After compaction: only the key fields, back to back.
    std::string request;
    // What a retransmission from the peer is answered with. Server: the last
    // response sent (cleared once it is no longer needed); INVITE client in
    // Completed: the ACK.
    std::string resend;
    // INVITE client: the Reason of a CANCEL asked for before any provisional.
    std::string cancel_reason;
    // Server: where responses go (RFC 3261 18.2.2); client: where the request
    // went. send_options.tag is always this transaction's id.
    transport::Endpoint peer;
    transport::SendOptions send_options;
    StoredKey key;
    std::uint64_t hash = 0;         // its entry in the server or client index
    TimerId retransmit_timer;       // A, E, G, or the INVITE server's 100 Trying
    TimerId deadline_timer;         // B, D, F, H, I, J, K, L, M, or the CANCEL guard
    std::uint32_t interval_ms = 0;  // the current retransmission interval
    std::uint32_t generation = 1;   // never 0: see TransactionId
    State state = State::Trying;
    Role role = Role::server;
    bool in_use = false;
    bool invite = false;
    bool reliable = false;        // TCP: no retransmissions, zero linger timers
    bool compacted = false;       // `request` holds only the key fields
    bool internal = false;        // a CANCEL the layer sent: the TU never hears of it
    bool cancel_pending = false;  // INVITE client: CANCEL waits for a provisional
    bool cancel_sent = false;
};

// The span `part` covers in `base`; every key field is a view into the
// message bytes the key was taken from.
inline TextSpan span_in(std::string_view base, std::string_view part) {
    if (part.empty()) return {};
    assert(part.data() >= base.data() && part.data() + part.size() <= base.data() + base.size());
    return {static_cast<std::uint32_t>(part.data() - base.data()),
            static_cast<std::uint32_t>(part.size())};
}

inline std::string_view view_of(std::string_view base, TextSpan span) {
    return base.substr(span.offset, span.size);
}

// `key` (views into `base`) as spans into `base`.
inline StoredKey store_key(const RequestKey& key, std::string_view base) {
    StoredKey stored;
    stored.branch = span_in(base, key.branch);
    stored.sent_by_host = span_in(base, key.sent_by_host);
    stored.has_sent_by_port = key.sent_by_port.has_value();
    stored.sent_by_port = key.sent_by_port.value_or(0);
    stored.method = span_in(base, key.method);
    stored.request_uri = span_in(base, key.request_uri);
    stored.call_id = span_in(base, key.call_id);
    stored.from_tag = span_in(base, key.from_tag);
    stored.to_tag = span_in(base, key.to_tag);
    stored.top_via = span_in(base, key.top_via);
    stored.cseq = key.cseq;
    return stored;
}

}  // namespace tandem::txn::detail
