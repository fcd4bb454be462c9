// The states of the four transaction machines (RFC 3261 section 17 with the
// Accepted state of RFC 6026).
#pragma once

#include <cstdint>
#include <string_view>

namespace tandem::txn {

enum class State : std::uint8_t {
    Calling,     // INVITE client: request sent, nothing heard yet
    Trying,      // non-INVITE client and server: request sent / received
    Proceeding,  // a provisional response was received / sent
    Accepted,    // INVITE client and server: a 2xx passed (RFC 6026)
    Completed,   // a final response (non-2xx for INVITE) was received / sent
    Confirmed,   // INVITE server: the ACK for its non-2xx final arrived
    Terminated,  // only ever seen in on_*_terminated: the slot is free
};

std::string_view to_string(State state);

}  // namespace tandem::txn
