#include "transport/stream_framer.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "base/strings.h"

namespace tandem::transport {

namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kPing = "\r\n\r\n";

// A buffer that once held a large message is given back when it empties, so
// one big INVITE does not pin a megabyte on an idle connection.
constexpr std::size_t kShrinkAbove = 256 * 1024;

// 513 Message Too Large is the SIP answer for an over-size request.
constexpr int kTooLarge = 513;

constexpr bool is_fold_start(char c) {
    return c == ' ' || c == '\t';
}

}  // namespace

StreamFramer::StreamFramer(FramingLimits limits) : limits_(limits) {}

std::span<char> StreamFramer::prepare(std::size_t min_bytes) {
    if (begin_ == end_) {
        begin_ = end_ = 0;
        if (buffer_.size() > kShrinkAbove) std::vector<char>().swap(buffer_);
    } else if (begin_ > 0) {
        // Keep the unfinished frame at the front: it is at most one frame,
        // and offsets stored while scanning are relative to begin_.
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (buffer_.size() - end_ < min_bytes) buffer_.resize(end_ + min_bytes);
    return {buffer_.data() + end_, buffer_.size() - end_};
}

void StreamFramer::commit(std::size_t bytes) {
    end_ = std::min(end_ + bytes, buffer_.size());
}

void StreamFramer::append(std::string_view bytes) {
    if (bytes.empty()) return;
    const auto space = prepare(bytes.size());
    std::memcpy(space.data(), bytes.data(), bytes.size());
    commit(bytes.size());
}

Frame StreamFramer::fail(Error error) {
    failed_ = true;
    error_ = std::move(error);
    return next();
}

Frame StreamFramer::next() {
    if (failed_) return Frame{Frame::Kind::error, {}, error_};

    // Between messages: CRLF CRLF is a keep-alive ping (RFC 5626 3.5.1); a
    // lone CRLF (a pong, or padding RFC 3261 7.5 says to ignore) or bare LF
    // is skipped. Two CRLFs cannot be told apart from one until the third
    // and fourth bytes arrive, so wait for them.
    while (header_bytes_ == 0) {
        const std::string_view before{buffer_.data() + begin_, end_ - begin_};
        if (before.starts_with(kPing)) {
            begin_ += kPing.size();
            return Frame{Frame::Kind::ping, {}, {}};
        }
        if (before.starts_with(kCrlf)) {
            if (before.size() < 3 || before.substr(2) == "\r") return Frame{};
            begin_ += kCrlf.size();
        } else if (before.starts_with('\n')) {
            ++begin_;
        } else {
            break;
        }
    }

    const std::string_view data{buffer_.data() + begin_, end_ - begin_};
    if (header_bytes_ == 0) {
        const std::size_t header_bytes = find_end_of_headers(data);
        if (header_bytes == 0) {
            if (data.size() >= limits_.max_header_bytes) {
                return fail(make_error("SIP headers too large", kTooLarge));
            }
            return Frame{};
        }
        if (header_bytes > limits_.max_header_bytes) {
            return fail(make_error("SIP headers too large", kTooLarge));
        }
        if (auto status = read_content_length(data.substr(0, header_bytes)); !status) {
            return fail(status.error());
        }
        header_bytes_ = header_bytes;
    }

    const std::size_t frame_bytes = header_bytes_ + body_bytes_;
    if (data.size() < frame_bytes) return Frame{};
    begin_ += frame_bytes;
    header_bytes_ = 0;
    body_bytes_ = 0;
    scanned_ = 0;
    return Frame{Frame::Kind::message, data.substr(0, frame_bytes), {}};
}

std::size_t StreamFramer::find_end_of_headers(std::string_view data) {
    // The header section ends with an empty line. Lines end with CRLF, or
    // with a bare LF, which the sip parser also accepts; so the end is an LF
    // followed by LF or by CR LF.
    std::size_t pos = scanned_;
    while (true) {
        const std::size_t lf = data.find('\n', pos);
        if (lf == std::string_view::npos) {
            scanned_ = data.size();
            return 0;
        }
        const std::string_view after = data.substr(lf + 1);
        if (after.starts_with('\n')) return lf + 2;
        if (after.starts_with("\r\n")) return lf + 3;
        if (after.empty() || after == "\r") {
            // Undecided until more bytes come: resume at this LF.
            scanned_ = lf;
            return 0;
        }
        pos = lf + 1;
    }
}

Status StreamFramer::read_content_length(std::string_view headers) {
    // `headers` ends with an empty line, so every find of LF below succeeds.
    // Header names are looked for at line starts only; a line starting with
    // SP or HTAB continues the previous field (RFC 3261 7.3.1 folding), so a
    // folded value is read as a whole and trimmed.
    std::size_t pos = headers.find('\n') + 1;  // skip the start line
    std::optional<std::uint64_t> length;
    while (true) {
        std::size_t field_end = headers.find('\n', pos);
        const std::string_view line = headers.substr(pos, field_end - pos);
        if (line.empty() || line == "\r") break;  // the empty line ending the headers
        while (is_fold_start(headers[field_end + 1])) {
            field_end = headers.find('\n', field_end + 1);
        }
        const std::string_view field = headers.substr(pos, field_end - pos);
        pos = field_end + 1;

        // A line without a colon is not a header; rejecting it is the parser's
        // job, and it cannot change where this message ends.
        const auto colon = field.find(':');
        if (colon == std::string_view::npos) continue;
        const std::string_view name = trim(field.substr(0, colon));
        if (!iequals(name, "Content-Length") && !iequals(name, "l")) continue;

        const auto value = parse_uint(trim(field.substr(colon + 1)));
        if (!value) return make_error("bad Content-Length");
        // Two different lengths would let two readers of the same stream
        // disagree on where the message ends.
        if (length && *length != *value) return make_error("conflicting Content-Length");
        length = value;
    }
    if (!length) return make_error("missing Content-Length on a stream");
    if (*length > limits_.max_body_bytes) return make_error("SIP body too large", kTooLarge);
    body_bytes_ = static_cast<std::size_t>(*length);
    return {};
}

}  // namespace tandem::transport
