// Lexical building blocks of the SIP grammar shared by the header and URI
// parsers: parameter lists, comma-separated value lists, quoted strings and
// %-escapes. Everything here is a view over text owned by someone else.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tandem::sip {

// One parameter of a parameter list: `name`, `name=value` or
// `name="quoted value"`.
struct Param {
    std::string_view name;
    // The value as written; for a quoted string the text between the quotes
    // (backslash escapes left in place, see unquote()). Empty without a value.
    std::string_view value;
    bool has_value = false;
    bool quoted = false;
};

// A view over a list of parameters such as ";transport=tcp;lr" (header and
// URI parameters, separator ';') or "Replaces=x&Subject=y" (URI headers,
// separator '&'). Parameters are found by scanning the text, which is short,
// so a Params costs nothing until it is asked something. Names compare
// case-insensitively. Whitespace around separators and '=' is skipped (header
// parameters allow LWS there). Separators inside quoted strings do not split.
class Params {
  public:
    class Iterator;

    constexpr Params() = default;
    explicit constexpr Params(std::string_view raw, char separator = ';')
        : raw_(raw), separator_(separator) {}

    // The text as given, leading separator included if it had one.
    std::string_view raw() const { return raw_; }
    char separator() const { return separator_; }
    bool empty() const;
    std::size_t size() const;

    // The first parameter with this name.
    std::optional<Param> find(std::string_view name) const;
    bool has(std::string_view name) const { return find(name).has_value(); }
    // The value of the first parameter with this name ("" when it has no
    // value); nullopt when there is no such parameter.
    std::optional<std::string_view> get(std::string_view name) const;

    Iterator begin() const;
    Iterator end() const;

    // Parameters in order. A forward iterator over the text.
    class Iterator {
      public:
        using value_type = Param;
        using difference_type = std::ptrdiff_t;
        Iterator() = default;
        const Param& operator*() const { return current_; }
        const Param* operator->() const { return &current_; }
        Iterator& operator++();
        Iterator operator++(int) {
            Iterator old = *this;
            ++*this;
            return old;
        }
        friend bool operator==(const Iterator& a, const Iterator& b) {
            return a.at_end_ == b.at_end_ && (a.at_end_ || a.rest_.data() == b.rest_.data());
        }

      private:
        friend class Params;
        Iterator(std::string_view rest, char separator);
        std::string_view rest_;
        Param current_;
        char separator_ = ';';
        bool at_end_ = true;
    };

  private:
    std::string_view raw_;
    char separator_ = ';';
};

// Splits a header value into its comma-separated elements. A comma inside a
// quoted string (escapes honoured) or inside <...> does not split. Elements
// come back trimmed of LWS (including folded line breaks); empty elements are
// skipped.
class ValueSplitter {
  public:
    explicit ValueSplitter(std::string_view value) : rest_(value) {}

    // The next element, or nullopt at the end or when the value has an
    // unterminated quoted string or '<' (then error() is true).
    std::optional<std::string_view> next();
    bool error() const { return error_; }

  private:
    std::string_view rest_;
    bool error_ = false;
};

// token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
bool is_token(std::string_view text);

// Decodes the backslash escapes of a quoted string's content (the text between
// the quotes): `a \"b\"` becomes `a "b"`.
std::string unquote(std::string_view quoted_content);

// Decodes %HH escapes; a '%' not followed by two hex digits is kept as is.
std::string unescape(std::string_view text);

// Compares two texts after %HH decoding, without allocating, as RFC 3261
// section 19.1.4 compares URI parts: an escaped unreserved character equals
// the character, an escaped reserved one (";/?:@&=+$,") does not. With
// `ignore_case` ASCII letters compare case-insensitively.
bool escaped_equal(std::string_view a, std::string_view b, bool ignore_case);

}  // namespace tandem::sip
