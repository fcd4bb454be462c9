// The CSeq numbering of the requests that reach one leg of a dialog.
//
// A leg sees two sources of requests in its dialog: those its peer sends,
// relayed by Tandem, and those Tandem generates while impersonating the peer
// (re-INVITE for hold, REFER for transfer, BYE on timeout...). Both must look
// like one sequence to the leg: strictly increasing (RFC 3261 section
// 12.2.2), while the peer keeps numbering as if the generated ones did not
// exist. So after Tandem generates requests towards the leg, every later
// request relayed towards it is shifted up by an offset, and every reply the
// leg sends back is shifted down again before it reaches the peer.
#pragma once

#include <cstdint>

#include "base/result.h"
#include "dialog/types.h"
#include "sip/method.h"

namespace tandem::dialog {

class CSeqSpace {
  public:
    // Starts the numbering with a request the leg has already received
    // (the initial INVITE, towards the callee).
    void start_with(std::uint32_t number, sip::Method method);

    // The number a request from the peer with CSeq `number` goes out with.
    // ACK and CANCEL take the number their INVITE went out with; any other
    // request is shifted by the current offset. Fails when the shifted number
    // does not fit a CSeq (2^31 - 1 at most, RFC 3261 section 8.1.1.5).
    Result<CSeqRewrite> relay(std::uint32_t number, sip::Method method);

    // The number of a request Tandem generates towards the leg: one more
    // than any number the leg has received. Later relayed requests are then
    // shifted so they stay above it.
    Result<std::uint32_t> generate();

    // The highest CSeq the peer has used (its own numbering); 0 before any.
    std::uint32_t last_from_peer() const { return last_from_peer_; }
    // The highest CSeq the leg has received; 0 before any.
    std::uint32_t last_received() const { return last_received_; }
    // How far Tandem has moved the leg's numbering ahead of the peer's: the
    // number of requests it generated towards the leg, in the usual case of
    // a peer counting up by one.
    std::uint32_t offset() const { return offset_; }
    // How many requests Tandem generated towards the leg.
    std::uint32_t generated() const { return generated_; }
    // The last INVITE relayed towards the leg, as the peer numbered it and
    // as it went out (for its ACK, CANCEL and PRACK's RAck).
    std::uint32_t invite_original() const { return invite_original_; }
    std::uint32_t invite_relayed() const { return invite_relayed_; }
    bool has_invite() const { return has_invite_; }

    // Replaces the peer side of the numbering (used when the 2xx picks one of
    // several forked early dialogs: only the winner's requests count).
    void reset_peer(std::uint32_t last_from_peer, bool seen_any);

  private:
    std::uint32_t last_from_peer_ = 0;
    std::uint32_t last_received_ = 0;
    std::uint32_t offset_ = 0;
    std::uint32_t generated_ = 0;
    std::uint32_t invite_original_ = 0;
    std::uint32_t invite_relayed_ = 0;
    bool peer_seen_ = false;
    bool leg_received_ = false;
    bool has_invite_ = false;
};

}  // namespace tandem::dialog
