// Feeds arbitrary SDP to the hold offers of call_hold / call_unhold. The
// first byte chooses the hold (its two low bits: sendonly, recvonly), the
// next eight the o= version last sent; the rest is the original SDP.
// Whatever hold_offer() makes must parse, keep every stream, give each
// enabled stream its own direction restricted by the hold, carry the next
// o= version, and differ from the original in nothing else when no hold
// is asked for. What it refuses must be SDP that does not parse (488).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "callops/hold_sdp.h"
#include "sdp/offer_answer.h"
#include "sdp/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tandem;
    constexpr std::size_t kHeader = 1 + sizeof(std::uint64_t);
    if (size < kHeader) return 0;
    const auto bits = static_cast<std::uint8_t>(data[0] & 3);
    std::uint64_t last_version = 0;
    std::memcpy(&last_version, data + 1, sizeof last_version);
    const std::string_view original(reinterpret_cast<const char*>(data + kHeader), size - kHeader);

    auto offer = callops::hold_offer(original, bits, last_version);
    auto before = sdp::parse(original);
    if (!offer.ok()) {
        if (offer.error().status != 488 || before.ok()) std::abort();
        return 0;
    }
    if (!before.ok()) std::abort();
    auto after = sdp::parse(*offer);
    if (!after.ok() || after->media.size() != before->media.size()) std::abort();
    if (callops::sdp_version(*offer) != last_version + 1) std::abort();
    const sdp::Direction hold = callops::offered_direction(bits);
    for (std::size_t i = 0; i < before->media.size(); ++i) {
        const sdp::MediaDescription& old_stream = before->media[i];
        const sdp::MediaDescription& new_stream = after->media[i];
        if (new_stream.port != old_stream.port || new_stream.formats != old_stream.formats)
            std::abort();
        if (old_stream.is_disabled()) continue;
        const sdp::Direction expected =
            sdp::combine_holds(sdp::effective_direction(*before, old_stream), hold);
        if (sdp::effective_direction(*after, new_stream) != expected) std::abort();
    }
    if (bits == 0 && !sdp::same_content(*before, *after)) std::abort();
    return 0;
}
