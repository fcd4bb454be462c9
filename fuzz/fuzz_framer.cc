// Feeds arbitrary bytes to the TCP stream framer in chunks whose sizes come
// from the input itself, and checks that the frames it returns are exactly
// the bytes that went in, in order, however the stream was cut.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "transport/stream_framer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using tandem::transport::Frame;
    using tandem::transport::FramingLimits;
    using tandem::transport::StreamFramer;
    if (size < 1) return 0;
    // The first byte picks the chunk size, the rest is the stream.
    const std::size_t chunk = 1 + data[0];
    std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);

    StreamFramer framer(FramingLimits{.max_header_bytes = 4096, .max_body_bytes = 8192});
    std::size_t cursor = 0;  // where the next frame may start in the stream
    std::size_t fed = 0;
    bool failed = false;
    while (fed < stream.size() && !failed) {
        std::string_view piece = stream.substr(fed, chunk);
        framer.append(piece);
        fed += piece.size();
        for (;;) {
            Frame frame = framer.next();
            if (frame.kind == Frame::Kind::incomplete) break;
            if (frame.kind == Frame::Kind::error) {
                if (frame.error.reason.empty()) std::abort();
                failed = true;
                break;
            }
            if (frame.kind == Frame::Kind::ping) continue;
            // A message frame is the next piece of the stream: only line ends
            // (keep-alives) may lie between it and the previous one.
            std::size_t at = stream.find(frame.bytes, cursor);
            if (frame.bytes.empty() || at == std::string_view::npos) std::abort();
            for (std::size_t i = cursor; i < at; ++i) {
                if (stream[i] != '\r' && stream[i] != '\n') std::abort();
            }
            cursor = at + frame.bytes.size();
        }
    }
    if (cursor > fed) std::abort();
    return 0;
}
