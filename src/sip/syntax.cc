#include "sip/syntax.h"

#include <algorithm>

#include "base/strings.h"
#include "sip/chars.h"
#include "sip/grammar.h"

namespace tandem::sip {
namespace {

using grammar::skip_quoted;

std::size_t skip_lws(std::string_view text, std::size_t i) {
    while (i < text.size() && is_lws(text[i]))
        ++i;
    return i;
}

}  // namespace

// ---- Params -------------------------------------------------------------

Params::Iterator::Iterator(std::string_view rest, char separator)
    : rest_(rest), separator_(separator), at_end_(false) {
    ++*this;
}

Params::Iterator& Params::Iterator::operator++() {
    std::string_view text = rest_;
    std::size_t i = 0;
    while (i < text.size() && (text[i] == separator_ || is_lws(text[i])))
        ++i;
    if (i >= text.size()) {
        at_end_ = true;
        rest_ = {};
        current_ = Param{};
        return *this;
    }
    Param param;
    const std::size_t name_start = i;
    while (i < text.size() && text[i] != '=' && text[i] != separator_ && !is_lws(text[i]))
        ++i;
    param.name = text.substr(name_start, i - name_start);
    std::size_t after_name = skip_lws(text, i);
    if (after_name < text.size() && text[after_name] == '=') {
        param.has_value = true;
        i = skip_lws(text, after_name + 1);
        if (i < text.size() && text[i] == '"') {
            const std::size_t end = skip_quoted(text, i);
            param.quoted = true;
            if (end == std::string_view::npos) {
                // Unterminated: the value runs to the end (parsers reject it).
                param.value = text.substr(i + 1);
                i = text.size();
            } else {
                param.value = text.substr(i + 1, end - 1 - (i + 1));
                i = end;
            }
        } else {
            const std::size_t value_start = i;
            while (i < text.size() && text[i] != separator_ && !is_lws(text[i]))
                ++i;
            param.value = text.substr(value_start, i - value_start);
        }
    }
    // Anything else up to the next separator is not part of this parameter.
    while (i < text.size() && text[i] != separator_) {
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
    std::size_t i = 0;
    while (i < rest_.size() && (rest_[i] == ',' || is_lws(rest_[i])))
        ++i;
    if (i >= rest_.size()) {
        rest_ = {};
        return std::nullopt;
    }
    const std::size_t start = i;
    bool in_angle = false;
    while (i < rest_.size()) {
        const char c = rest_[i];
        if (c == '"' && !in_angle) {
            const std::size_t end = skip_quoted(rest_, i);
            if (end == std::string_view::npos) {
                error_ = true;
                rest_ = {};
                return std::nullopt;
            }
            i = end;
            continue;
        }
        if (c == '<') {
            in_angle = true;
        } else if (c == '>') {
            in_angle = false;
        } else if (c == ',' && !in_angle) {
            break;
        }
        ++i;
    }
    if (in_angle) {
        error_ = true;
        rest_ = {};
        return std::nullopt;
    }
    const std::string_view element = trim(rest_.substr(start, i - start));
    rest_ = rest_.substr(i);
    return element;
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
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < a.size() && j < b.size()) {
        char x = next_decoded(a, i);
        char y = next_decoded(b, j);
        if (ignore_case) {
            x = ascii_lower(x);
            y = ascii_lower(y);
        }
        if (x != y) return false;
    }
    return i == a.size() && j == b.size();
}

}  // namespace tandem::sip
