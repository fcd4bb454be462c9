#include "callops/hold_sdp.h"

#include "sdp/offer_answer.h"
#include "sdp/parse.h"
#include "sdp/write.h"

namespace tandem::callops {

std::uint8_t offered_bits(Holds holds, dialog::Side side) {
    std::uint8_t bits = 0;
    if (holds.has(side)) bits |= kOfferedSendOnly;
    if (holds.has(dialog::other(side))) bits |= kOfferedRecvOnly;
    return bits;
}

sdp::Direction offered_direction(std::uint8_t bits) {
    switch (bits & (kOfferedSendOnly | kOfferedRecvOnly)) {
        case kOfferedSendOnly:
            return sdp::Direction::kSendOnly;
        case kOfferedRecvOnly:
            return sdp::Direction::kRecvOnly;
        case kOfferedSendOnly | kOfferedRecvOnly:
            return sdp::Direction::kInactive;
        default:
            return sdp::Direction::kSendRecv;
    }
}

Result<std::string> hold_offer(std::string_view original, std::uint8_t bits,
                               std::uint64_t last_version) {
    auto parsed = sdp::parse(original);
    if (!parsed) return make_error("Bad SDP to put on hold: " + parsed.error().reason, 488);
    sdp::SessionDescription offer = std::move(*parsed);
    const sdp::Direction restriction = offered_direction(bits);
    if (restriction != sdp::Direction::kSendRecv) {
        for (std::size_t i = 0; i < offer.media.size(); ++i) {
            const sdp::Direction own = sdp::effective_direction(offer, offer.media[i]);
            (void)sdp::set_stream_direction(offer, i, sdp::combine_holds(own, restriction));
        }
    }
    sdp::set_next_version(offer, last_version);
    return sdp::to_string(offer);
}

std::optional<std::uint64_t> sdp_version(std::string_view sdp) {
    auto parsed = sdp::parse(sdp);
    if (!parsed) return std::nullopt;
    return parsed->origin.session_version;
}

}  // namespace tandem::callops
