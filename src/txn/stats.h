// Counters of one transaction layer (one worker). Plain integers, read on the
// worker that owns the layer.
#pragma once

#include <cstdint>

namespace tandem::txn {

struct TransactionStats {
    std::uint64_t requests_received = 0;   // parsed requests from the transport
    std::uint64_t responses_received = 0;  // parsed responses from the transport
    // Requests and responses a transaction recognised as retransmissions and
    // absorbed (answered with the last response, the ACK, or nothing).
    std::uint64_t retransmissions_absorbed = 0;
    std::uint64_t acks_absorbed = 0;          // ACKs for non-2xx finals, first and repeated
    std::uint64_t retransmissions_sent = 0;   // timers A, E and G
    std::uint64_t bad_requests_answered = 0;  // invalid requests answered statelessly
    // Messages thrown away: unparsable, invalid responses, invalid requests
    // too broken to answer, ACKs that fit no state.
    std::uint64_t messages_dropped = 0;
    std::uint64_t stray_responses = 0;      // responses matching no client transaction
    std::uint64_t timeouts = 0;             // synthetic 408s: timers B, F, CANCEL guard
    std::uint64_t transport_errors = 0;     // send failures reported for a transaction
    std::uint64_t server_transactions = 0;  // alive now
    std::uint64_t client_transactions = 0;  // alive now, internal CANCELs included
};

}  // namespace tandem::txn
