// Internal to the script layer: small RAII and conversion helpers over the
// Lua C API. Only the engine's sources include this header (it pulls in the
// LuaJIT headers, which the public headers keep out).
#pragma once

#include <lua.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "script/types.h"

namespace tandem::script::detail {

// Owns one lua_State and closes it.
class LuaState {
  public:
    LuaState() : state_(luaL_newstate()) {}
    lua_State* get() const { return state_.get(); }
    explicit operator bool() const { return state_ != nullptr; }

  private:
    struct Closer {
        void operator()(lua_State* state) const { lua_close(state); }
    };
    std::unique_ptr<lua_State, Closer> state_;
};

// Puts the stack back to the height it had when the guard was made (or to
// `top`), whatever happened in between.
class StackGuard {
  public:
    explicit StackGuard(lua_State* state) : state_(state), top_(lua_gettop(state)) {}
    StackGuard(lua_State* state, int top) : state_(state), top_(top) {}
    StackGuard(const StackGuard&) = delete;
    StackGuard& operator=(const StackGuard&) = delete;
    ~StackGuard() { lua_settop(state_, top_); }

  private:
    lua_State* state_;
    int top_;
};

inline std::string_view to_string_view(lua_State* state, int index) {
    std::size_t length = 0;
    const char* text = lua_tolstring(state, index, &length);
    return text == nullptr ? std::string_view{} : std::string_view(text, length);
}

inline void push_string(lua_State* state, std::string_view text) {
    lua_pushlstring(state, text.data(), text.size());
}

// Integral Lua numbers that convert to int64 without loss.
bool to_integer(lua_State* state, int index, std::int64_t& out);

// Pushes nil, a boolean, a number or a string. StopRoute pushes nil.
void push_value(lua_State* state, const ScriptValue& value);
// nil, boolean, integral number or string; anything else is nil.
ScriptValue to_value(lua_State* state, int index);

// The location Lua wrote for the first Lua function at or above `level` of
// the call stack (level 1 is the caller of the running C function).
SourceLocation lua_caller_location(lua_State* state, int level);

// Pushes "file:line: text" with the line of the nearest calling Lua code
// (skipping C functions such as pcall, unlike luaL_where), or just `text`
// when no Lua code is on the stack (a tail call from a route).
void push_error_at_caller(lua_State* state, std::string_view text);

// Splits a Lua error message "file:line: message" into its parts. Without
// a location prefix the whole text is the message and `fallback_file` the
// file. Lua shortens long file names to "...tail"; the tail of
// `fallback_file` then gives the full name back.
Diagnostic parse_lua_error(std::string_view text, std::string_view fallback_file);

// Lua shortens long chunk names ("...tail"); restores `full_name` when it
// ends with the tail.
std::string restore_file_name(std::string_view short_name, std::string_view full_name);

}  // namespace tandem::script::detail
