// A static look at a compiled script: every call of a global function in
// the chunk and in every function nested in it, with its line and the
// string literals it is given, and every global the chunk assigns. The
// engine uses it when a script loads to find calls of functions that exist
// nowhere (a typo shows before the first call reaches it) and literal
// arguments a function refuses (call_transfer("calee", ...)).
//
// It reads LuaJIT's bytecode through jit.util (funcbc, funck, funcinfo).
// The opcode numbers are not hard-coded: they are learnt from small chunks
// compiled by the same VM, so another LuaJIT build cannot fool the scan.
#pragma once

#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/result.h"

struct lua_State;

namespace tandem::script::detail {

struct GlobalCall {
    std::string name;
    int line = 0;
    // One entry per argument given: the string literal written there, or
    // nullopt for anything else (a variable, an expression, a number).
    // Arguments after a vararg or a call in last position are not listed.
    std::vector<std::optional<std::string>> literals;
};

struct ChunkGlobals {
    std::vector<GlobalCall> calls;  // in the order of the code
    std::unordered_set<std::string> assigned;
};

// Scans the Lua function at stack index `index` (a chunk as luaL_loadbuffer
// returns it) and every function defined inside it. A call whose function
// comes from a global read just before (`name(...)`, `return name(...)`)
// counts; `t.name(...)`, `obj:name(...)` and calls through locals do not.
// Fails when the state has no jit.util (not LuaJIT). Leaves the stack as
// it was.
Result<ChunkGlobals> scan_global_calls(lua_State* state, int index);

}  // namespace tandem::script::detail
