// What a transaction layer instance can be told: the RFC 3261 timer values
// and a few policies. Defaults are the RFC's.
#pragma once

#include <cstddef>
#include <cstdint>

#include "txn/clock.h"

namespace tandem::txn {

struct TimerSettings {
    Duration t1{500};   // RTT estimate: first retransmission interval (A, E, G)
    Duration t2{4000};  // cap of the non-INVITE and response retransmission interval
    Duration t4{5000};  // how long the network may hold a message (I, K)
    // Timer D: how long an INVITE client transaction absorbs retransmitted
    // non-2xx finals on an unreliable transport (at least 32 s, 17.1.1.2).
    Duration timer_d{32000};
    // How long an INVITE server transaction waits for a provisional from the
    // TU before it sends 100 Trying itself (17.2.1).
    Duration trying_delay{200};

    // 64*T1: timers B, F, H, J, L, M and the CANCEL guard.
    Duration transaction_timeout() const { return t1 * 64; }
};

struct LayerOptions {
    TimerSettings timers;
    // INVITE server transactions send 100 Trying when the TU has not
    // answered within timers.trying_delay (0: at once). Off: the TU decides.
    bool send_100_trying = true;
    // Live transactions per layer (worker); create_* fail with 503 beyond.
    std::size_t max_transactions = 200000;
    // Seed of the branch generator; 0 draws one from the system.
    std::uint64_t branch_seed = 0;
};

}  // namespace tandem::txn
