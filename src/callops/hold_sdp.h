// The SDP side of call_hold / call_unhold. A hold of one leg asks that
// party to stop sending while the other may go on (music on hold): the held
// leg is offered sendonly, its peer recvonly. Holds of both legs combine to
// inactive on both. What a leg is offered is kept as a bitmask (the value
// of the dialog variables call_hold_caller / call_hold_callee):
//   kOfferedSendOnly  the leg itself is held
//   kOfferedRecvOnly  its peer is held
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "dialog/types.h"
#include "sdp/session_description.h"

namespace tandem::callops {

inline constexpr std::uint8_t kOfferedSendOnly = 1;
inline constexpr std::uint8_t kOfferedRecvOnly = 2;

// Which legs are held.
struct Holds {
    bool caller = false;
    bool callee = false;

    bool has(dialog::Side side) const { return side == dialog::Side::Caller ? caller : callee; }
    void set(dialog::Side side, bool held) {
        (side == dialog::Side::Caller ? caller : callee) = held;
    }
    bool any() const { return caller || callee; }
    friend bool operator==(const Holds&, const Holds&) = default;
};

// The bitmask leg `side` is offered when `holds` are in force.
std::uint8_t offered_bits(Holds holds, dialog::Side side);

// The direction a bitmask stands for: 0 sendrecv, sendonly, recvonly, 3
// inactive.
sdp::Direction offered_direction(std::uint8_t bits);

// The offer for a leg: `original` (the SDP it was sent before any hold) with
// every enabled stream restricted by `bits` (combined with the stream's own
// direction in `original`; `bits` 0 gives `original` back), and the o=
// version one above `last_version`, the version last sent to that leg (RFC
// 3264 section 8). Fails (488) when `original` is not a valid SDP.
Result<std::string> hold_offer(std::string_view original, std::uint8_t bits,
                               std::uint64_t last_version);

// The o= version of an SDP; nullopt when it does not parse.
std::optional<std::uint64_t> sdp_version(std::string_view sdp);

}  // namespace tandem::callops
