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
    kSplit = 1 << 11,      // what ValueSplitter stops at: , " < >
    kLws = 1 << 12,        // SP, HTAB, CR, LF
    kHostName = 1 << 13,   // host name characters: alphanumerics, '-', '.', '_'
    kGenValue = 1 << 14,   // unquoted parameter values: token / host
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
            t[c] |= kToken | kUnreserved | kWord | kScheme | kHostName;
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
    mark(",\"<>", kSplit);
    mark(" \t\r\n", kLws);
    mark("-._", kHostName);
    for (std::size_t c = 0; c < 256; ++c) {
        if ((t[c] & kToken) != 0) t[c] |= kGenValue;
    }
    mark(":[]", kGenValue);
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
constexpr bool is_lws(char c) {
    return has(c, kLws);
}

constexpr int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Index of the first character at or after `i` that is not in `bits` (the
// size of `text` when there is none).
constexpr std::size_t skip(std::string_view text, std::size_t i, std::uint16_t bits) {
    while (i < text.size() && has(text[i], bits))
        ++i;
    return i;
}

// Index of the first character at or after `i` that is in `bits`.
constexpr std::size_t skip_not(std::string_view text, std::size_t i, std::uint16_t bits) {
    while (i < text.size() && !has(text[i], bits))
        ++i;
    return i;
}

// Like skip(), also stepping over well-formed %HH escapes. Stops at a '%'
// that does not start one.
constexpr std::size_t skip_escaped(std::string_view text, std::size_t i, std::uint16_t bits) {
    while (i < text.size()) {
        const char c = text[i];
        if (has(c, bits)) {
            ++i;
        } else if (c == '%' && text.size() - i >= 3 && is_hex(text[i + 1]) && is_hex(text[i + 2])) {
            i += 3;
        } else {
            break;
        }
    }
    return i;
}

// Whether every character of `text` is in `bits` or a well-formed %HH escape.
constexpr bool all_escaped(std::string_view text, std::uint16_t bits) {
    return skip_escaped(text, 0, bits) == text.size();
}

}  // namespace tandem::sip::chars
