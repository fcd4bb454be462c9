#include "sip/grammar.h"

#include "base/strings.h"
#include "sip/chars.h"

namespace tandem::sip::grammar {

std::size_t skip_quoted(std::string_view text, std::size_t start) {
    std::size_t i = start + 1;
    while (i < text.size()) {
        if (text[i] == '\\') {
            i += 2;
        } else if (text[i] == '"') {
            return i + 1;
        } else {
            ++i;
        }
    }
    return std::string_view::npos;
}

std::string_view ltrim(std::string_view text) {
    while (!text.empty() && is_lws(text.front()))
        text.remove_prefix(1);
    return text;
}

bool valid_ipv4(std::string_view text) {
    int dots = 0;
    int digits = 0;
    unsigned octet = 0;
    for (char c : text) {
        if (c == '.') {
            if (digits == 0 || ++dots > 3) return false;
            digits = 0;
            octet = 0;
        } else if (chars::is_digit(c)) {
            octet = octet * 10 + static_cast<unsigned>(c - '0');
            if (++digits > 3 || octet > 255) return false;
        } else {
            return false;
        }
    }
    return dots == 3 && digits > 0;
}

bool valid_ipv6(std::string_view text) {
    if (text.empty()) return false;
    int groups = 0;
    bool compressed = false;
    std::size_t i = 0;
    if (text.substr(0, 2) == "::") {
        compressed = true;
        i = 2;
        if (i == text.size()) return true;
    } else if (text.front() == ':') {
        return false;
    }
    while (i < text.size()) {
        const std::size_t start = i;
        while (i < text.size() && chars::is_hex(text[i]))
            ++i;
        if (i < text.size() && text[i] == '.') {
            // An embedded IPv4 address ends the reference.
            if (!valid_ipv4(text.substr(start))) return false;
            groups += 2;
            break;
        }
        const std::size_t length = i - start;
        if (length == 0 || length > 4) return false;
        ++groups;
        if (i == text.size()) break;
        if (text[i] != ':') return false;
        ++i;
        if (i < text.size() && text[i] == ':') {
            if (compressed) return false;
            compressed = true;
            ++i;
            if (i == text.size()) break;
        } else if (i == text.size()) {
            return false;  // a single trailing colon
        }
    }
    return compressed ? groups <= 7 : groups == 8;
}

std::optional<HostKind> classify_host(std::string_view text) {
    if (text.empty()) return std::nullopt;
    if (text.front() == '[') {
        if (text.size() < 3 || text.back() != ']') return std::nullopt;
        if (!valid_ipv6(text.substr(1, text.size() - 2))) return std::nullopt;
        return HostKind::IPv6;
    }
    // hostname: labels of alphanumerics, '-' (and '_', which deployed DNS
    // names carry) separated by dots, with an optional final dot.
    if (chars::is_digit(text.front()) && valid_ipv4(text)) return HostKind::IPv4;
    char previous = '.';  // so that a leading dot counts as an empty label
    for (char c : text) {
        if (!chars::has(c, chars::kHostName) || (c == '.' && previous == '.')) {
            return std::nullopt;
        }
        previous = c;
    }
    return HostKind::Name;
}

ParamScan next_header_param(std::string_view text, std::size_t& pos, Param& param) {
    std::size_t i = chars::skip(text, pos, chars::kLws);
    if (i >= text.size() || text[i] == ',') {
        pos = i;
        return ParamScan::End;
    }
    if (text[i] != ';') return ParamScan::Error;
    i = chars::skip(text, i + 1, chars::kLws);
    const std::size_t name_start = i;
    i = chars::skip(text, i, chars::kToken);
    if (i == name_start) return ParamScan::Error;
    param = Param{text.substr(name_start, i - name_start), {}, false, false};
    const std::size_t after_name = chars::skip(text, i, chars::kLws);
    if (after_name < text.size() && text[after_name] == '=') {
        i = chars::skip(text, after_name + 1, chars::kLws);
        param.has_value = true;
        if (i < text.size() && text[i] == '"') {
            const std::size_t end = skip_quoted(text, i);
            if (end == std::string_view::npos) return ParamScan::Error;
            param.value = text.substr(i + 1, end - i - 2);
            param.quoted = true;
            i = end;
        } else {
            const std::size_t value_start = i;
            i = chars::skip(text, i, chars::kGenValue);
            if (i == value_start) return ParamScan::Error;
            param.value = text.substr(value_start, i - value_start);
        }
    }
    pos = i;
    return ParamScan::Found;
}

bool valid_header_params(std::string_view raw) {
    std::size_t pos = 0;
    Param param;
    while (true) {
        switch (next_header_param(raw, pos, param)) {
            case ParamScan::Found:
                break;
            case ParamScan::End:
                return pos == raw.size();
            case ParamScan::Error:
                return false;
        }
    }
}

bool valid_call_id(std::string_view text) {
    const auto valid_word = [](std::string_view word) {
        if (word.empty()) return false;
        for (char c : word) {
            if (!chars::has(c, chars::kWord)) return false;
        }
        return true;
    };
    const std::size_t at = text.find('@');
    if (at == std::string_view::npos) return valid_word(text);
    return valid_word(text.substr(0, at)) && valid_word(text.substr(at + 1));
}

}  // namespace tandem::sip::grammar
