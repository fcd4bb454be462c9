// Small, allocation-free helpers over std::string_view used by every parser.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tandem {

constexpr char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

// Case-insensitive ASCII equality (SIP header names, method tokens in
// comparisons, URI schemes and parameter names).
constexpr bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

constexpr bool is_lws(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

constexpr std::string_view trim(std::string_view s) {
    while (!s.empty() && is_lws(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_lws(s.back()))
        s.remove_suffix(1);
    return s;
}

// Parses a decimal unsigned integer that must fill the whole view; rejects
// empty input, signs and values above `max`.
constexpr std::optional<std::uint64_t> parse_uint(std::string_view s,
                                                  std::uint64_t max = UINT32_MAX) {
    if (s.empty()) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
        if (v > max) return std::nullopt;
    }
    return v;
}

}  // namespace tandem
