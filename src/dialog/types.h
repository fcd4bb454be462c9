// The vocabulary of the dialog layer: the two sides of a proxied call, the
// dialog states (numbered as OpenSIPS numbers them, so events and listings
// read the same), why a dialog ended, and the values the update functions
// return to the proxy.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tandem::dialog {

// The dialog layer never reads a clock: every function that needs the time
// takes `now`, and deadlines are returned on the same clock.
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

// Unique within the process: the shard index in the top 16 bits, a counter
// of that shard's table below (see DialogTable).
using DialogId = std::uint64_t;

inline constexpr int kDialogIdShardShift = 48;
constexpr std::uint16_t shard_of(DialogId id) {
    return static_cast<std::uint16_t>(id >> kDialogIdShardShift);
}

// The two parties of a proxied call: the caller sent the initial INVITE, the
// callee answered it.
enum class Side : std::uint8_t { Caller, Callee };

constexpr Side other(Side side) {
    return side == Side::Caller ? Side::Callee : Side::Caller;
}
// "caller" or "callee" (the leg names of callops and MI commands).
std::string_view side_name(Side side);
std::optional<Side> side_from_name(std::string_view name);

// OpenSIPS's dialog states, with its numbers (DLG_STATE_* in its dlg_hash.h).
enum class State : std::uint8_t {
    Unconfirmed = 1,     // initial INVITE seen, no reply with a To tag yet
    Early = 2,           // a provisional reply with a To tag
    ConfirmedNoAck = 3,  // a 2xx passed, its ACK not yet
    Confirmed = 4,       // the ACK for the 2xx passed
    Deleted = 5,         // ended (failed, cancelled, BYE, timeout, terminated)
};

constexpr int state_number(State state) {
    return static_cast<int>(state);
}
// "unconfirmed", "early", "confirmed_na", "confirmed", "deleted".
std::string_view state_name(State state);

// Why a dialog reached State::Deleted.
enum class EndReason : std::uint8_t {
    None,         // not ended
    Failed,       // a final non-2xx reply to the initial INVITE
    Cancelled,    // the initial INVITE was cancelled (its final reply ended it)
    ByeByCaller,  // the caller sent BYE
    ByeByCallee,  // the callee sent BYE
    Timeout,      // max_duration elapsed; Tandem sent BYE to both legs
    Terminated,   // ended from the script or MI; Tandem sent BYE to both legs
    Transferred,  // a transfer Tandem started succeeded; Tandem sent BYE to both legs
};

std::string_view end_reason_name(EndReason reason);

// Where a leg is reached, as the proxy describes it. The dialog layer stores
// and hands it back; it never interprets it.
struct Destination {
    std::string_view address;         // opaque, e.g. "udp:192.0.2.10:5060"
    std::uint64_t connection_id = 0;  // the transport's connection id; 0 for none
};

// A state transition, returned by the update that caused it. The proxy turns
// it into E_DLG_STATE_CHANGED (see events.h).
struct StateChange {
    State from = State::Unconfirmed;
    State to = State::Unconfirmed;

    friend bool operator==(const StateChange&, const StateChange&) = default;
};

// What happened to the SDP offer/answer exchange a message took part in.
enum class OfferAnswer : std::uint8_t {
    None,       // the message did not complete or abort an exchange
    Pending,    // an offer was recorded; it waits for the answer
    Committed,  // an exchange completed: the stored SDPs changed
    Discarded,  // the transaction carrying a pending offer failed
};

// The CSeq number of a request relayed through the dialog, as its sender
// wrote it and as it must go out. The proxy keeps this with the transaction:
// replies to the request come back with `relayed` and must be given
// `original` again before they are relayed to the sender.
struct CSeqRewrite {
    std::uint32_t original = 0;
    std::uint32_t relayed = 0;

    bool needed() const { return original != relayed; }
    friend bool operator==(const CSeqRewrite&, const CSeqRewrite&) = default;
};

// "<number> <method>": the value of a CSeq header.
std::string cseq_value(std::uint32_t number, std::string_view method);

}  // namespace tandem::dialog
