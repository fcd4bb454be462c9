// Feeds arbitrary bytes to the SDP parser; whatever parses must write out and
// parse again to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sdp/parse.h"
#include "sdp/write.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tandem::sdp;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto session = parse(text);
    if (!session.ok()) return 0;
    for (const MediaDescription& media : session->media) {
        (void)media.direction();
        for (const std::string& format : media.formats)
            (void)format.size();
        (void)media.rtpmap(0);
        (void)media.fmtp(101);
    }
    std::string written = to_string(*session);
    auto again = parse(written);
    if (!again.ok() || !(*again == *session) || to_string(*again) != written) std::abort();
    return 0;
}
