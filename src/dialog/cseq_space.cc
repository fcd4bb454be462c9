#include "dialog/cseq_space.h"

#include <algorithm>

namespace tandem::dialog {

namespace {
// RFC 3261 section 8.1.1.5: a CSeq number is below 2^31.
constexpr std::uint64_t kMaxCSeq = (std::uint64_t{1} << 31) - 1;
}  // namespace

void CSeqSpace::start_with(std::uint32_t number, sip::Method method) {
    last_from_peer_ = number;
    last_received_ = number;
    peer_seen_ = true;
    leg_received_ = true;
    if (method == sip::Method::Invite) {
        invite_original_ = number;
        invite_relayed_ = number;
        has_invite_ = true;
    }
}

Result<CSeqRewrite> CSeqSpace::relay(std::uint32_t number, sip::Method method) {
    if ((method == sip::Method::Ack || method == sip::Method::Cancel) && has_invite_ &&
        number == invite_original_) {
        return CSeqRewrite{number, invite_relayed_};
    }
    const std::uint64_t shifted = std::uint64_t{number} + offset_;
    if (offset_ != 0 && shifted > kMaxCSeq) return make_error("CSeq out of range", 500);
    const auto relayed = static_cast<std::uint32_t>(shifted);
    if (method == sip::Method::Ack || method == sip::Method::Cancel) {
        // Not for the last INVITE we know of: shifted like the rest, but a
        // new number it is not.
        return CSeqRewrite{number, relayed};
    }
    if (!peer_seen_ || number > last_from_peer_) last_from_peer_ = number;
    peer_seen_ = true;
    if (!leg_received_ || relayed > last_received_) last_received_ = relayed;
    leg_received_ = true;
    if (method == sip::Method::Invite) {
        invite_original_ = number;
        invite_relayed_ = relayed;
        has_invite_ = true;
    }
    return CSeqRewrite{number, relayed};
}

Result<std::uint32_t> CSeqSpace::generate() {
    const std::uint64_t number = leg_received_ ? std::uint64_t{last_received_} + 1 : 1;
    if (number > kMaxCSeq) return make_error("CSeq out of range", 500);
    // The smallest number the peer may use next; every relayed request from
    // then on must land above the generated one.
    const std::uint64_t next_from_peer = peer_seen_ ? std::uint64_t{last_from_peer_} + 1 : 0;
    const std::uint64_t needed = number + 1 > next_from_peer ? number + 1 - next_from_peer : 0;
    offset_ = static_cast<std::uint32_t>(std::max<std::uint64_t>(offset_, needed));
    last_received_ = static_cast<std::uint32_t>(number);
    leg_received_ = true;
    ++generated_;
    return static_cast<std::uint32_t>(number);
}

void CSeqSpace::reset_peer(std::uint32_t last_from_peer, bool seen_any) {
    last_from_peer_ = last_from_peer;
    peer_seen_ = seen_any;
    last_received_ = last_from_peer;
    leg_received_ = seen_any;
    offset_ = 0;
    has_invite_ = false;
}

}  // namespace tandem::dialog
