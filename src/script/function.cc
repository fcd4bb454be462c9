#include "script/function.h"

#include <cassert>

#include "base/strings.h"
#include "script/lua_support.h"

namespace tandem::script {

std::string_view arg_type_name(ArgType type) {
    switch (type) {
        case ArgType::String:
            return "a string";
        case ArgType::Integer:
            return "an integer";
        case ArgType::Boolean:
            return "a boolean";
        case ArgType::StringList:
            return "a table of strings";
        case ArgType::Scalar:
            return "a string or an integer";
    }
    return "a value";
}

LiteralCheck one_of_words(std::vector<std::string> words) {
    return [words = std::move(words)](std::string_view literal) -> Status {
        for (const std::string& word : words) {
            if (iequals(literal, word)) return {};
        }
        std::string expected = "must be ";
        for (std::size_t i = 0; i < words.size(); ++i) {
            if (i > 0) expected += i + 1 == words.size() ? " or " : ", ";
            expected += '"' + words[i] + '"';
        }
        return make_error(std::move(expected), 0);
    };
}

bool Arguments::has(std::size_t index) const {
    return index < size_ && !std::holds_alternative<std::monostate>(values_[index]);
}

std::string_view Arguments::string(std::size_t index) const {
    return std::get<std::string_view>(values_[index]);
}

std::int64_t Arguments::integer(std::size_t index) const {
    return std::get<std::int64_t>(values_[index]);
}

bool Arguments::boolean(std::size_t index) const {
    return std::get<bool>(values_[index]);
}

const std::vector<std::string_view>& Arguments::strings(std::size_t index) const {
    return std::get<std::vector<std::string_view>>(values_[index]);
}

std::optional<std::string_view> Arguments::optional_string(std::size_t index) const {
    if (!has(index)) return std::nullopt;
    return string(index);
}

std::optional<std::int64_t> Arguments::optional_integer(std::size_t index) const {
    if (!has(index)) return std::nullopt;
    return integer(index);
}

std::optional<bool> Arguments::optional_boolean(std::size_t index) const {
    if (!has(index)) return std::nullopt;
    return boolean(index);
}

void Arguments::push_back(ArgumentValue value) {
    assert(size_ < kMaxArguments);
    values_[size_++] = std::move(value);
}

SourceLocation CallContext::caller() const {
    if (parts_.lua == nullptr) return SourceLocation{};
    return detail::lua_caller_location(parts_.lua, 1);
}

}  // namespace tandem::script
