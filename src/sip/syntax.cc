#include "sip/syntax.h"

#include <algorithm>

#include "base/strings.h"
#include "sip/chars.h"
#include "sip/grammar.h"

namespace tandem::sip {
namespace {

using grammar::skip_quoted;

}  // namespace

// ---- Params -------------------------------------------------------------

Params::Iterator::Iterator(std::string_view rest, char separator)
    : rest_(rest), separator_(separator), at_end_(false) {
    ++*this;
}

Params::Iterator& Params::Iterator::operator++() {
    const std::string_view text = rest_;
    const char separator = separator_;
    std::size_t i = 0;
    while (i < text.size() && (text[i] == separator || chars::is_lws(text[i])))
        ++i;
    if (i >= text.size()) {
        at_end_ = true;
        rest_ = {};
        current_ = Param{};
        return *this;
    }
    Param param;
    const std::size_t name_start = i;
    while (i < text.size() && text[i] != '=' && text[i] != separator && !chars::is_lws(text[i])) {
        ++i;
    }
    param.name = text.substr(name_start, i - name_start);
    const std::size_t after_name = chars::skip(text, i, chars::kLws);
    if (after_name < text.size() && text[after_name] == '=') {
        param.has_value = true;
        i = chars::skip(text, after_name + 1, chars::kLws);
        if (i < text.size() && text[i] == '"') {
            const std::size_t end = skip_quoted(text, i);
            param.quoted = true;
            if (end == std::string_view::npos) {
                // Unterminated: the value runs to the end (parsers reject it).
                param.value = text.substr(i + 1);
                i = text.size();
            } else {
                param.value = text.substr(i + 1, end - i - 2);
                i = end;
            }
        } else {
            const std::size_t value_start = i;
            while (i < text.size() && text[i] != separator && !chars::is_lws(text[i]))
                ++i;
            param.value = text.substr(value_start, i - value_start);
        }
    }
    // Anything else up to the next separator is not part of this parameter.
    while (i < text.size() && text[i] != separator) {
        if (text[i] == '"') {
            i = std::min(skip_quoted(text, i), text.size());
        } else {
            ++i;
        }
    }
    current_ = param;
    rest_ = text.substr(i);
    return *this;
}

Params::Iterator Params::begin() const {
    return Iterator(raw_, separator_);
}
Params::Iterator Params::end() const {
    return Iterator();
}

bool Params::empty() const {
    return begin() == end();
}

std::size_t Params::size() const {
    std::size_t n = 0;
    for (auto it = begin(); it != end(); ++it)
        ++n;
    return n;
}

std::optional<Param> Params::find(std::string_view name) const {
    for (const Param& param : *this) {
        if (iequals(param.name, name)) return param;
    }
    return std::nullopt;
}

std::optional<std::string_view> Params::get(std::string_view name) const {
    if (auto param = find(name)) return param->value;
    return std::nullopt;
}

// ---- ValueSplitter --------------------------------------------------------

std::optional<std::string_view> ValueSplitter::next() {
    const std::string_view text = rest_;
    std::size_t i = 0;
    while (i < text.size() && (text[i] == ',' || chars::is_lws(text[i])))
        ++i;
    if (i >= text.size()) {
        rest_ = {};
        return std::nullopt;
    }
    const std::size_t start = i;
    bool in_angle = false;
    while (true) {
        i = chars::skip_not(text, i, chars::kSplit);
        if (i >= text.size()) break;
        const char c = text[i];
        if (c == ',') {
            if (!in_angle) break;
        } else if (c == '<') {
            in_angle = true;
        } else if (c == '>') {
            in_angle = false;
        } else if (!in_angle) {  // '"'
            const std::size_t end = skip_quoted(text, i);
            if (end == std::string_view::npos) {
                error_ = true;
                rest_ = {};
                return std::nullopt;
            }
            i = end;
            continue;
        }
        ++i;
    }
    if (in_angle) {
        error_ = true;
        rest_ = {};
        return std::nullopt;
    }
    rest_ = text.substr(i);
    return trim(text.substr(start, i - start));
}

// ---- small helpers ---------------------------------------------------------

bool is_token(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text) {
        if (!chars::is_token_char(c)) return false;
    }
    return true;
}

std::string unquote(std::string_view quoted_content) {
    std::string out;
    out.reserve(quoted_content.size());
    for (std::size_t i = 0; i < quoted_content.size(); ++i) {
        if (quoted_content[i] == '\\' && i + 1 < quoted_content.size()) ++i;
        out.push_back(quoted_content[i]);
    }
    return out;
}

namespace {

// The character at text[i] after %-decoding, advancing i past it.
char next_decoded(std::string_view text, std::size_t& i) {
    if (text[i] == '%' && text.size() - i >= 3) {
        const int high = chars::hex_value(text[i + 1]);
        const int low = chars::hex_value(text[i + 2]);
        if (high >= 0 && low >= 0) {
            i += 3;
            return static_cast<char>(high * 16 + low);
        }
    }
    return text[i++];
}

}  // namespace

std::string unescape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size())
        out.push_back(next_decoded(text, i));
    return out;
}

bool escaped_equal(std::string_view a, std::string_view b, bool ignore_case) {
    // A reserved character keeps its meaning only unescaped (RFC 3261 section
    // 19.1.4): "%3B" and ";" differ, "%61" and "a" do not.
    static constexpr std::string_view kReserved = ";/?:@&=+$,";
    const auto next = [](std::string_view text, std::size_t& i, bool& escaped_reserved) {
        const std::size_t start = i;
        const char c = next_decoded(text, i);
        escaped_reserved = i - start == 3 && kReserved.find(c) != std::string_view::npos;
        return c;
    };
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < a.size() && j < b.size()) {
        bool x_reserved = false;
        bool y_reserved = false;
        char x = next(a, i, x_reserved);
        char y = next(b, j, y_reserved);
        if (ignore_case) {
            x = ascii_lower(x);
            y = ascii_lower(y);
        }
        if (x != y || x_reserved != y_reserved) return false;
    }
    return i == a.size() && j == b.size();
}

}  // namespace tandem::sip
