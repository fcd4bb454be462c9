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
    int parts = 0;
    std::size_t i = 0;
    while (true) {
        const std::size_t start = i;
        unsigned value = 0;
        while (i < text.size() && chars::is_digit(text[i]) && i - start < 3) {
            value = value * 10 + static_cast<unsigned>(text[i] - '0');
            ++i;
        }
        if (i == start || value > 255) return false;
        ++parts;
        if (i == text.size()) return parts == 4;
        if (text[i] != '.' || parts == 4) return false;
        ++i;
    }
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
    if (valid_ipv4(text)) return HostKind::IPv4;
    // hostname: labels of alphanumerics, '-' (and '_', which deployed DNS
    // names carry) separated by dots, with an optional final dot.
    std::size_t label_length = 0;
    for (char c : text) {
        if (c == '.') {
            if (label_length == 0) return std::nullopt;
            label_length = 0;
        } else if (chars::is_alpha(c) || chars::is_digit(c) || c == '-' || c == '_') {
            ++label_length;
        } else {
            return std::nullopt;
        }
    }
    return HostKind::Name;
}

bool valid_header_params(std::string_view raw) {
    std::size_t i = 0;
    auto skip_ws = [&] {
        while (i < raw.size() && is_lws(raw[i]))
            ++i;
    };
    while (true) {
        skip_ws();
        if (i == raw.size()) return true;
        if (raw[i] != ';') return false;
        ++i;
        skip_ws();
        const std::size_t name_start = i;
        while (i < raw.size() && chars::is_token_char(raw[i]))
            ++i;
        if (i == name_start) return false;
        skip_ws();
        if (i == raw.size() || raw[i] != '=') continue;
        ++i;
        skip_ws();
        if (i < raw.size() && raw[i] == '"') {
            i = skip_quoted(raw, i);
            if (i == std::string_view::npos) return false;
            continue;
        }
        const std::size_t value_start = i;
        while (i < raw.size() &&
               (chars::is_token_char(raw[i]) || raw[i] == ':' || raw[i] == '[' || raw[i] == ']')) {
            ++i;
        }
        if (i == value_start) return false;
    }
}

bool valid_token_display_name(std::string_view text) {
    for (char c : text) {
        const bool utf8 = static_cast<unsigned char>(c) >= 0x80;
        if (!chars::is_token_char(c) && !is_lws(c) && !utf8) return false;
    }
    return true;
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
