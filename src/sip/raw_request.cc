#include "sip/raw_request.h"

#include <algorithm>

#include "base/strings.h"
#include "sip/header_id.h"
#include "sip/syntax.h"

namespace tandem::sip {
namespace {

constexpr bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim_blanks(std::string_view text) {
    while (!text.empty() && is_blank(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && (is_blank(text.back()) || text.back() == '\r'))
        text.remove_suffix(1);
    return text;
}

// The first element of a Via value: up to the first comma outside quotes.
std::string_view first_element(std::string_view value) {
    bool quoted = false;
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '"') quoted = !quoted;
        if (value[i] == ',' && !quoted) return trim_blanks(value.substr(0, i));
    }
    return value;
}

bool has_tag(std::string_view to) {
    // A ";tag=" outside quotes and angle brackets, any case.
    bool quoted = false;
    int depth = 0;
    for (std::size_t i = 0; i < to.size(); ++i) {
        const char c = to[i];
        if (c == '"') quoted = !quoted;
        if (quoted) continue;
        if (c == '<') ++depth;
        if (c == '>') --depth;
        if (c != ';' || depth > 0) continue;
        std::string_view rest = trim_blanks(to.substr(i + 1));
        if (rest.size() >= 3 && iequals(rest.substr(0, 3), "tag")) return true;
    }
    return false;
}

bool printable(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= ' ' && c != '\x7f'; });
}

}  // namespace

std::optional<RawRequestHead> scan_request_head(std::string_view bytes) {
    RawRequestHead head;
    const std::size_t first_end = std::min(bytes.find('\n'), bytes.size());
    const std::string_view first_line = bytes.substr(0, first_end);
    const std::size_t space = first_line.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    head.method = first_line.substr(0, space);
    if (!is_token(head.method) || head.method.starts_with("SIP/") || head.method == "ACK")
        return std::nullopt;

    // The header being read, so that a folded line extends it.
    std::string_view* current = nullptr;
    std::size_t position = first_end + 1;
    while (position < bytes.size()) {
        const std::size_t end = std::min(bytes.find('\n', position), bytes.size());
        const std::string_view line = bytes.substr(position, end - position);
        position = end + 1;
        if (trim_blanks(line).empty() && (line.empty() || !is_blank(line.front()))) break;
        if (is_blank(line.front())) {
            // Folded: the value runs on to the end of this line.
            if (current != nullptr && !current->empty()) {
                const std::string_view rest = trim_blanks(line);
                const char* begin = current->data();
                *current = std::string_view(
                    begin, static_cast<std::size_t>(rest.data() + rest.size() - begin));
            }
            continue;
        }
        current = nullptr;
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        const std::string_view name = trim_blanks(line.substr(0, colon));
        if (!is_token(name)) continue;
        std::string_view value = trim_blanks(line.substr(colon + 1));
        switch (header_id(name)) {
            case HeaderId::Via:
                head.via_lines.push_back(value);
                current = &head.via_lines.back();
                break;
            case HeaderId::From:
                if (head.from.empty()) current = &(head.from = value);
                break;
            case HeaderId::To:
                if (head.to.empty()) current = &(head.to = value);
                break;
            case HeaderId::CallId:
                if (head.call_id.empty()) current = &(head.call_id = value);
                break;
            case HeaderId::CSeq:
                if (head.cseq.empty()) current = &(head.cseq = value);
                break;
            default:
                break;
        }
    }
    if (head.via_lines.empty() || head.from.empty() || head.to.empty() || head.call_id.empty() ||
        head.cseq.empty())
        return std::nullopt;
    auto top = parse_via(first_element(head.via_lines.front()));
    if (!top) return std::nullopt;
    head.top_via = *top;
    return head;
}

std::string raw_response(const RawRequestHead& head, int status, std::string_view reason,
                         std::string_view to_tag) {
    if (reason.empty() || !printable(reason)) reason = "Bad Request";
    std::string out = "SIP/2.0 " + std::to_string(status) + " ";
    out.append(reason).append("\r\n");
    for (const std::string_view via : head.via_lines)
        out.append("Via: ").append(via).append("\r\n");
    out.append("From: ").append(head.from).append("\r\n");
    out.append("To: ").append(head.to);
    if (!to_tag.empty() && !has_tag(head.to)) out.append(";tag=").append(to_tag);
    out.append("\r\nCall-ID: ").append(head.call_id).append("\r\n");
    out.append("CSeq: ").append(head.cseq).append("\r\n");
    out.append("Content-Length: 0\r\n\r\n");
    return out;
}

}  // namespace tandem::sip
