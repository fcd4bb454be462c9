// Splits a SIP byte stream (TCP) into messages by Content-Length. Pure: no
// sockets, no clock; the connection reads straight into the framer's buffer
// and then asks for complete frames.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace tandem::transport {

struct FramingLimits {
    // Start line plus headers plus the empty line that ends them.
    std::size_t max_header_bytes = 64 * 1024;
    std::size_t max_body_bytes = 1024 * 1024;
};

struct Frame {
    enum class Kind {
        incomplete,  // more bytes are needed
        message,     // `bytes` holds one whole SIP message, headers and body
        ping,        // an RFC 5626 keep-alive ping (CRLF CRLF); answer with CRLF
        error,       // the stream cannot be framed; `error` says why
    };
    Kind kind = Kind::incomplete;
    std::string_view bytes;
    Error error;
};

class StreamFramer {
  public:
    explicit StreamFramer(FramingLimits limits = {});

    // Writable space of at least `min_bytes` at the end of the buffered data;
    // write received bytes there and commit() how many were written. Views
    // returned by next() before this call become invalid.
    std::span<char> prepare(std::size_t min_bytes);
    void commit(std::size_t bytes);

    // prepare + copy + commit, for callers that already hold the bytes.
    void append(std::string_view bytes);

    // The next frame from the buffered bytes. A message view stays valid until
    // the next prepare() or append(). After an error every call returns the
    // same error: the stream has lost its framing and must be closed.
    Frame next();

    // Bytes received but not yet returned as frames.
    std::size_t buffered() const { return end_ - begin_; }

  private:
    // Size of the header section at the front of `data` (through the empty
    // line), or 0 while it is incomplete; remembers in scanned_ where the
    // next search resumes.
    std::size_t find_end_of_headers(std::string_view data);
    // Scans the header block of the frame at begin_ for Content-Length once
    // its end is known; sets body_bytes_ or returns the framing error.
    Status read_content_length(std::string_view headers);
    Frame fail(Error error);

    FramingLimits limits_;
    std::vector<char> buffer_;
    std::size_t begin_ = 0;  // first byte not yet returned as a frame
    std::size_t end_ = 0;    // one past the last received byte
    // Offset (from begin_) where the search for the end of headers resumes,
    // so a header block that trickles in is not rescanned from the start.
    std::size_t scanned_ = 0;
    // Size of the header block including its CRLFCRLF, once found (0 before).
    std::size_t header_bytes_ = 0;
    std::size_t body_bytes_ = 0;
    bool failed_ = false;
    Error error_;
};

}  // namespace tandem::transport
