#include "script/lua_support.h"

#include <cmath>

namespace tandem::script::detail {
namespace {

// Doubles represent every integer up to 2^53 exactly.
constexpr double kMaxExactInteger = 9007199254740992.0;

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

}  // namespace

bool to_integer(lua_State* state, int index, std::int64_t& out) {
    if (lua_type(state, index) != LUA_TNUMBER) return false;
    const double number = lua_tonumber(state, index);
    if (std::floor(number) != number || std::fabs(number) > kMaxExactInteger) return false;
    out = static_cast<std::int64_t>(number);
    return true;
}

void push_value(lua_State* state, const ScriptValue& value) {
    if (const auto* flag = std::get_if<bool>(&value)) {
        lua_pushboolean(state, *flag ? 1 : 0);
    } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
        lua_pushnumber(state, static_cast<lua_Number>(*integer));
    } else if (const auto* text = std::get_if<std::string>(&value)) {
        push_string(state, *text);
    } else {
        lua_pushnil(state);
    }
}

ScriptValue to_value(lua_State* state, int index) {
    switch (lua_type(state, index)) {
        case LUA_TBOOLEAN:
            return lua_toboolean(state, index) != 0;
        case LUA_TNUMBER: {
            std::int64_t integer = 0;
            if (to_integer(state, index, integer)) return integer;
            return std::monostate{};
        }
        case LUA_TSTRING:
            return std::string(to_string_view(state, index));
        default:
            return std::monostate{};
    }
}

SourceLocation lua_caller_location(lua_State* state, int level) {
    lua_Debug record{};
    for (; lua_getstack(state, level, &record) != 0; ++level) {
        if (lua_getinfo(state, "Sl", &record) != 0 && record.currentline > 0) {
            return SourceLocation{record.short_src, record.currentline};
        }
    }
    return SourceLocation{};
}

void push_error_at_caller(lua_State* state, std::string_view text) {
    const SourceLocation where = lua_caller_location(state, 1);
    if (where.line > 0) {
        lua_pushfstring(state, "%s:%d: ", where.file.c_str(), where.line);
        push_string(state, text);
        lua_concat(state, 2);
    } else {
        push_string(state, text);
    }
}

std::string restore_file_name(std::string_view short_name, std::string_view full_name) {
    constexpr std::string_view kEllipsis = "...";
    if (short_name.starts_with(kEllipsis) &&
        full_name.ends_with(short_name.substr(kEllipsis.size()))) {
        return std::string(full_name);
    }
    return std::string(short_name);
}

Diagnostic parse_lua_error(std::string_view text, std::string_view fallback_file) {
    // The first ":<digits>: " ends the location.
    for (std::size_t colon = text.find(':'); colon != std::string_view::npos;
         colon = text.find(':', colon + 1)) {
        std::size_t end = colon + 1;
        while (end < text.size() && is_digit(text[end]))
            ++end;
        if (end == colon + 1 || end - colon > 10 || end + 1 >= text.size() || text[end] != ':' ||
            text[end + 1] != ' ') {
            continue;
        }
        const std::string_view line = text.substr(colon + 1, end - colon - 1);
        int number = 0;
        for (char digit : line)
            number = number * 10 + (digit - '0');
        return Diagnostic{
            SourceLocation{restore_file_name(text.substr(0, colon), fallback_file), number},
            std::string(text.substr(end + 2))};
    }
    return Diagnostic{SourceLocation{std::string(fallback_file), 0}, std::string(text)};
}

}  // namespace tandem::script::detail
