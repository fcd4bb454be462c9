// Character classes of the RFC 3261 grammar (internal to the sip layer).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace tandem::sip::chars {

enum : std::uint16_t {
    kDigit = 1 << 0,
    kAlpha = 1 << 1,
    kHex = 1 << 2,
    kToken = 1 << 3,       // token characters
    kUnreserved = 1 << 4,  // alphanum / mark
    kUser = 1 << 5,        // user-unreserved
    kPassword = 1 << 6,    // "&" / "=" / "+" / "$" / ","
    kParam = 1 << 7,       // param-unreserved
    kHeader = 1 << 8,      // hnv-unreserved
    kWord = 1 << 9,        // word characters (Call-ID)
    kScheme = 1 << 10,     // characters after the first of a scheme
};

constexpr std::array<std::uint16_t, 256> build_table() {
    std::array<std::uint16_t, 256> t{};
    auto mark = [&t](std::string_view set, std::uint16_t bit) {
        for (char c : set)
            t[static_cast<unsigned char>(c)] |= bit;
    };
    for (int c = '0'; c <= '9'; ++c)
        t[static_cast<std::size_t>(c)] |= kDigit | kHex;
    for (int c = 'a'; c <= 'z'; ++c)
        t[static_cast<std::size_t>(c)] |= kAlpha;
    for (int c = 'A'; c <= 'Z'; ++c)
        t[static_cast<std::size_t>(c)] |= kAlpha;
    mark("abcdefABCDEF", kHex);
    for (std::size_t c = 0; c < 256; ++c) {
        if ((t[c] & (kDigit | kAlpha)) != 0) {
            t[c] |= kToken | kUnreserved | kWord | kScheme;
        }
    }
    mark("-.!%*_+`'~", kToken);
    mark("-_.!~*'()", kUnreserved);
    mark("&=+$,;?/", kUser);
    mark("&=+$,", kPassword);
    mark("[]/:&+$", kParam);
    mark("[]/?:+$", kHeader);
    mark("-.!%*_+`'~()<>:\\\"/[]?{}", kWord);
    mark("+-.", kScheme);
    return t;
}

inline constexpr std::array<std::uint16_t, 256> kTable = build_table();

constexpr bool has(char c, std::uint16_t bits) {
    return (kTable[static_cast<unsigned char>(c)] & bits) != 0;
}
constexpr bool is_digit(char c) {
    return has(c, kDigit);
}
constexpr bool is_alpha(char c) {
    return has(c, kAlpha);
}
constexpr bool is_hex(char c) {
    return has(c, kHex);
}
constexpr bool is_token_char(char c) {
    return has(c, kToken);
}
constexpr bool is_ws(char c) {
    return c == ' ' || c == '\t';
}

constexpr int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Whether every character of `text` is in `bits` or a well-formed %HH escape.
constexpr bool all_escaped(std::string_view text, std::uint16_t bits) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (text.size() - i < 3) return false;
            if (!is_hex(text[i + 1]) || !is_hex(text[i + 2])) return false;
            i += 2;
        } else if (!has(c, bits)) {
            return false;
        }
    }
    return true;
}

}  // namespace tandem::sip::chars
