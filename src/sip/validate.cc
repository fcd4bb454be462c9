#include "sip/validate.h"

#include "base/strings.h"
#include "sip/chars.h"
#include "sip/grammar.h"

namespace tandem::sip {
namespace {

constexpr std::uint32_t kMaxCSeq = 0x7fffffffu;  // RFC 3261 section 8.1.1.5

Error bad(std::string_view reason) {
    return make_error(std::string(reason));
}

// A single-value header: present once and well formed.
template <typename T>
Status check_single(const Message& message, HeaderId id, const Parsed<T>& parsed,
                    std::string_view name) {
    if (!parsed.present()) return bad("Missing " + std::string(name));
    if (message.count(id) > 1) return bad("Multiple " + std::string(name) + " headers");
    if (!parsed.ok()) return bad("Bad " + std::string(name));
    return {};
}

Status check_common(const Message& message) {
    if (!iequals(message.version(), "SIP/2.0")) {
        return make_error("Version Not Supported", 505);
    }
    if (!message.has(HeaderId::Via)) return bad("Missing Via");
    if (!message.vias()) return bad("Bad Via");
    if (auto status = check_single(message, HeaderId::From, message.from(), "From"); !status) {
        return status;
    }
    if (auto status = check_single(message, HeaderId::To, message.to(), "To"); !status) {
        return status;
    }
    if (!message.has(HeaderId::CallId)) return bad("Missing Call-ID");
    if (message.count(HeaderId::CallId) > 1) return bad("Multiple Call-ID headers");
    if (!grammar::valid_call_id(message.call_id())) return bad("Bad Call-ID");
    if (auto status = check_single(message, HeaderId::CSeq, message.cseq(), "CSeq"); !status) {
        return status;
    }
    if (message.cseq()->number > kMaxCSeq) return bad("CSeq number too large");
    return {};
}

Status check_body(const Message& message, const ValidationOptions& options) {
    const auto length = message.content_length();
    if (!length.present()) {
        if (options.stream) return bad("Missing Content-Length");
    } else {
        if (message.count(HeaderId::ContentLength) > 1) {
            return bad("Multiple Content-Length headers");
        }
        if (!length.ok()) return bad("Bad Content-Length");
        if (*length > message.received_body().size()) {
            return bad("Content-Length larger than body");
        }
    }
    const auto type = message.content_type();
    if (type.present() && !type.ok()) return bad("Bad Content-Type");
    if (!message.body().empty() && !type.present()) return bad("Missing Content-Type");
    if (!message.contacts()) return bad("Bad Contact");
    if (!message.routes()) return bad("Bad Route");
    if (!message.record_routes()) return bad("Bad Record-Route");
    return {};
}

}  // namespace

Status validate_request(const Message& request, const ValidationOptions& options) {
    if (!iequals(request.version(), "SIP/2.0")) return make_error("Version Not Supported", 505);
    const auto uri = request.request_uri();
    // Headers are not allowed in a Request-URI (RFC 3261 section 19.1.1).
    if (!uri || !uri->headers.raw().empty()) return bad("Bad Request-URI");
    if (auto status = check_common(request); !status) return status;
    if (request.cseq()->method_text != request.method_text()) {
        return bad("CSeq method does not match request method");
    }
    const auto max_forwards = request.max_forwards();
    if (!max_forwards.present()) {
        if (options.require_max_forwards) return bad("Missing Max-Forwards");
    } else {
        if (request.count(HeaderId::MaxForwards) > 1) {
            return bad("Multiple Max-Forwards headers");
        }
        if (!max_forwards.ok()) return bad("Bad Max-Forwards");
    }
    return check_body(request, options);
}

Status validate_response(const Message& response, const ValidationOptions& options) {
    if (auto status = check_common(response); !status) return status;
    return check_body(response, options);
}

Status validate(const Message& message, const ValidationOptions& options) {
    return message.is_request() ? validate_request(message, options)
                                : validate_response(message, options);
}

Result<StreamFrame> frame_stream(std::string_view buffer, std::size_t max_message_bytes) {
    std::size_t leading = 0;
    while (leading < buffer.size() && (buffer[leading] == '\r' || buffer[leading] == '\n')) {
        ++leading;
    }
    if (leading > 0) return StreamFrame{StreamFrame::Kind::KeepAlive, leading};

    // Walk the header lines up to the empty line, noting where the
    // Content-Length value lies (folded continuation lines included).
    std::size_t length_lines = 0;
    std::size_t length_begin = 0;
    std::size_t length_end = 0;
    bool in_length = false;
    std::size_t pos = 0;
    std::size_t head_size = 0;
    for (bool first_line = true;; first_line = false) {
        const std::size_t newline = buffer.find('\n', pos);
        if (newline == std::string_view::npos) {
            if (buffer.size() > max_message_bytes) return make_error("Message too large", 513);
            return StreamFrame{};
        }
        if (newline + 1 > max_message_bytes) return make_error("Message too large", 513);
        std::size_t line_end = newline;
        if (line_end > pos && buffer[line_end - 1] == '\r') --line_end;
        if (line_end == pos) {
            head_size = newline + 1;
            break;
        }
        const std::string_view line = buffer.substr(pos, line_end - pos);
        const std::size_t line_begin = pos;
        pos = newline + 1;
        if (first_line) continue;
        if (chars::is_ws(line.front())) {
            if (in_length) length_end = line_end;
            continue;
        }
        in_length = false;
        std::size_t i = 0;
        while (i < line.size() && chars::is_token_char(line[i]))
            ++i;
        if (header_id(line.substr(0, i)) != HeaderId::ContentLength) continue;
        while (i < line.size() && chars::is_ws(line[i]))
            ++i;
        if (i >= line.size() || line[i] != ':') continue;
        ++length_lines;
        in_length = true;
        length_begin = line_begin + i + 1;
        length_end = line_end;
    }

    if (length_lines == 0) return make_error("Missing Content-Length");
    if (length_lines > 1) return make_error("Multiple Content-Length headers");
    const std::string_view length_text =
        trim(buffer.substr(length_begin, length_end - length_begin));
    const auto body_size = parse_uint(length_text, max_message_bytes);
    if (!body_size) {
        // All digits but too large, or not a number at all.
        const bool digits_only =
            !length_text.empty() &&
            length_text.find_first_not_of("0123456789") == std::string_view::npos;
        return digits_only ? make_error("Message too large", 513)
                           : make_error("Bad Content-Length");
    }
    const std::size_t total = head_size + static_cast<std::size_t>(*body_size);
    if (total > max_message_bytes) return make_error("Message too large", 513);
    if (buffer.size() < total) return StreamFrame{};
    return StreamFrame{StreamFrame::Kind::Message, total};
}

}  // namespace tandem::sip
