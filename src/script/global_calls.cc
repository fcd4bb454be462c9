#include "script/global_calls.h"

#include <array>
#include <cstdint>
#include <string_view>

#include "script/lua_support.h"

namespace tandem::script::detail {
namespace {

// Operand modes of LuaJIT's bytecode (lj_bc.h, BCMode), as funcbc reports
// them: ma in bits 0-2, mc in bits 7-10.
constexpr std::uint32_t kModeDst = 1;   // A is written
constexpr std::uint32_t kModeBase = 2;  // A is the base of a range (calls)
constexpr std::uint32_t kModeStr = 10;  // D is a string constant

// LuaJIT's type tag of a function prototype on the stack (lua_type); not
// in the public headers.
constexpr int kTypeProto = 9;

struct Instruction {
    std::uint32_t op = 0;
    std::uint32_t a = 0;
    std::uint32_t d = 0;  // B:C for ABC instructions
    std::uint32_t ma = 0;
    std::uint32_t mc = 0;

    std::uint32_t b() const { return d >> 8; }
    std::uint32_t c() const { return d & 0xff; }
};

// jit.util, on the Lua stack while a scan runs.
class Bytecode {
  public:
    static Result<Bytecode> open(lua_State* state) {
        lua_getfield(state, LUA_REGISTRYINDEX, "_PRELOAD");
        if (!lua_istable(state, -1)) return make_error("no package.preload (not LuaJIT?)", 0);
        lua_getfield(state, -1, "jit.util");
        lua_remove(state, -2);
        if (!lua_isfunction(state, -1)) return make_error("no jit.util (not LuaJIT?)", 0);
        lua_pushstring(state, "jit.util");
        if (lua_pcall(state, 1, 1, 0) != 0 || !lua_istable(state, -1)) {
            return make_error("jit.util did not load", 0);
        }
        return Bytecode(state, lua_gettop(state));
    }

    // The instruction at `pc` (1 is the first after the function header)
    // of the function at `function`; nullopt past the end.
    std::optional<Instruction> at(int function, int pc) {
        StackGuard guard(state_);
        if (!call("funcbc", function, pc, 2) || !lua_isnumber(state_, -2)) return std::nullopt;
        // funcbc gives the instruction as a signed 32-bit number (bit.tobit):
        // through a wider signed integer it wraps to its unsigned bits.
        const auto ins =
            static_cast<std::uint32_t>(static_cast<std::int64_t>(lua_tonumber(state_, -2)));
        const auto mode =
            static_cast<std::uint32_t>(static_cast<std::int64_t>(lua_tonumber(state_, -1)));
        Instruction instruction;
        instruction.op = ins & 0xff;
        instruction.a = (ins >> 8) & 0xff;
        instruction.d = ins >> 16;
        instruction.ma = mode & 7;
        instruction.mc = (mode >> 7) & 15;
        return instruction;
    }

    // Pushes constant `slot` of the function (negative: strings, nested
    // functions, tables); nil when there is none.
    void push_constant(int function, int slot) {
        if (!call("funck", function, slot, 1)) lua_pushnil(state_);
    }

    std::optional<std::string> string_constant(int function, std::uint32_t d) {
        StackGuard guard(state_);
        push_constant(function, -static_cast<int>(d) - 1);
        if (lua_type(state_, -1) != LUA_TSTRING) return std::nullopt;
        return std::string(to_string_view(state_, -1));
    }

    int line(int function, int pc) {
        StackGuard guard(state_);
        if (!call("funcinfo", function, pc, 1) || !lua_istable(state_, -1)) return 0;
        lua_getfield(state_, -1, "currentline");
        return lua_isnumber(state_, -1) ? static_cast<int>(lua_tointeger(state_, -1)) : 0;
    }

    lua_State* state() const { return state_; }

  private:
    Bytecode(lua_State* state, int util) : state_(state), util_(util) {}

    // util.<name>(function, number) leaving `results` values on the stack.
    bool call(const char* name, int function, int number, int results) {
        lua_getfield(state_, util_, name);
        lua_pushvalue(state_, function);
        lua_pushinteger(state_, number);
        if (lua_pcall(state_, 2, results, 0) != 0) {
            lua_pop(state_, 1);
            return false;
        }
        return true;
    }

    lua_State* state_;
    int util_;
};

// The opcodes the scan looks for, learnt from chunks the same VM compiles.
struct Opcodes {
    std::uint32_t gget = 0;
    std::uint32_t gset = 0;
    std::uint32_t kstr = 0;
    std::uint32_t call = 0;
    std::uint32_t callm = 0;
    std::uint32_t callt = 0;
    std::uint32_t callmt = 0;
    // Where a call's first argument sits above the function's slot (1, or
    // 2 with LuaJIT's two-slot frames).
    std::uint32_t first_argument = 1;
};

// The last instruction of `code` matching `wanted`.
template <typename Predicate>
std::optional<Instruction> find_in(Bytecode& bytecode, const char* code, Predicate wanted) {
    lua_State* state = bytecode.state();
    StackGuard guard(state);
    if (luaL_loadstring(state, code) != 0) return std::nullopt;
    const int function = lua_gettop(state);
    std::optional<Instruction> found;
    for (int pc = 1;; ++pc) {
        const auto instruction = bytecode.at(function, pc);
        if (!instruction) return found;
        if (wanted(*instruction)) found = instruction;
    }
}

Result<Opcodes> learn_opcodes(Bytecode& bytecode) {
    const auto string_operand = [](const Instruction& i) { return i.mc == kModeStr; };
    // The call is the last instruction with a base operand in each chunk
    // (VARG, the only other one, comes before it; returns are not base).
    const auto base = [](const Instruction& i) { return i.ma == kModeBase; };
    const auto gget = find_in(bytecode, "return g", string_operand);
    const auto gset = find_in(bytecode, "g = 1", string_operand);
    const auto kstr = find_in(bytecode, "local f; f('x')", string_operand);
    const auto call = find_in(bytecode, "local f; f('x')", base);
    const auto callm = find_in(bytecode, "local f; f(...)", base);
    const auto callt = find_in(bytecode, "local f; return f()", base);
    const auto callmt = find_in(bytecode, "local f; return f(...)", base);
    if (!gget || !gset || !kstr || !call || !callm || !callt || !callmt || kstr->a <= call->a ||
        callm->op == callmt->op || call->op == callm->op) {
        return make_error("unexpected LuaJIT bytecode", 0);
    }
    Opcodes opcodes;
    opcodes.gget = gget->op;
    opcodes.gset = gset->op;
    opcodes.kstr = kstr->op;
    opcodes.call = call->op;
    opcodes.callm = callm->op;
    opcodes.callt = callt->op;
    opcodes.callmt = callmt->op;
    opcodes.first_argument = kstr->a - call->a;
    return opcodes;
}

// What a VM slot holds as far as a straight read of the code can tell.
struct Slot {
    enum class Kind : std::uint8_t { Unknown, Global, Literal };
    Kind kind = Kind::Unknown;
    std::string text;  // the global's name, or the literal
    int pc = 0;        // where the global was read
};

class Scanner {
  public:
    Scanner(Bytecode& bytecode, const Opcodes& opcodes, ChunkGlobals& out)
        : bytecode_(bytecode), opcodes_(opcodes), out_(out) {}

    void scan(int function) {
        std::array<Slot, 256> slots{};
        for (int pc = 1;; ++pc) {
            const auto instruction = bytecode_.at(function, pc);
            if (!instruction) break;
            step(function, pc, *instruction, slots);
        }
        scan_nested(function);
    }

  private:
    void step(int function, int pc, const Instruction& i, std::array<Slot, 256>& slots) {
        if (i.op == opcodes_.gget || i.op == opcodes_.kstr) {
            const auto text = bytecode_.string_constant(function, i.d);
            const Slot::Kind kind =
                i.op == opcodes_.gget ? Slot::Kind::Global : Slot::Kind::Literal;
            slots[i.a] = text ? Slot{kind, *text, pc} : Slot{};
            return;
        }
        if (i.op == opcodes_.gset) {
            if (const auto name = bytecode_.string_constant(function, i.d)) {
                out_.assigned.insert(*name);
            }
            return;
        }
        if (i.op == opcodes_.call || i.op == opcodes_.callm || i.op == opcodes_.callt ||
            i.op == opcodes_.callmt) {
            record_call(function, i, slots);
        }
        // A read straight down the code: a slot keeps what was last written
        // to it. Calls and other range writers clobber everything above A.
        if (i.ma == kModeDst) {
            slots[i.a] = Slot{};
        } else if (i.ma == kModeBase) {
            for (std::size_t slot = i.a; slot < slots.size(); ++slot)
                slots[slot] = Slot{};
        }
    }

    void record_call(int function, const Instruction& i, const std::array<Slot, 256>& slots) {
        const Slot& callee = slots[i.a];
        if (callee.kind != Slot::Kind::Global) return;
        std::uint32_t arguments = 0;
        if (i.op == opcodes_.call) {
            arguments = i.c() > 0 ? i.c() - 1 : 0;  // C = arguments + 1
        } else if (i.op == opcodes_.callm) {
            arguments = i.c();  // the fixed ones before the multiple results
        } else if (i.op == opcodes_.callt) {
            arguments = i.d > 0 ? i.d - 1 : 0;
        } else {
            arguments = i.d;
        }
        GlobalCall call;
        call.name = callee.text;
        call.line = bytecode_.line(function, callee.pc);
        for (std::uint32_t n = 0; n < arguments; ++n) {
            const std::size_t slot = i.a + opcodes_.first_argument + n;
            if (slot < slots.size() && slots[slot].kind == Slot::Kind::Literal) {
                call.literals.emplace_back(slots[slot].text);
            } else {
                call.literals.emplace_back(std::nullopt);
            }
        }
        out_.calls.push_back(std::move(call));
    }

    void scan_nested(int function) {
        lua_State* state = bytecode_.state();
        for (int slot = -1;; --slot) {
            StackGuard guard(state);
            bytecode_.push_constant(function, slot);
            const int type = lua_type(state, -1);
            if (type == LUA_TNIL) break;
            if (type == kTypeProto || type == LUA_TFUNCTION) {
                if (!lua_checkstack(state, 8)) break;
                scan(lua_gettop(state));
            }
        }
    }

    Bytecode& bytecode_;
    const Opcodes& opcodes_;
    ChunkGlobals& out_;
};

}  // namespace

Result<ChunkGlobals> scan_global_calls(lua_State* state, int index) {
    const int chunk = index > 0 ? index : lua_gettop(state) + index + 1;
    StackGuard guard(state);
    auto bytecode = Bytecode::open(state);
    if (!bytecode) return bytecode.error();
    auto opcodes = learn_opcodes(*bytecode);
    if (!opcodes) return opcodes.error();
    ChunkGlobals globals;
    Scanner(*bytecode, *opcodes, globals).scan(chunk);
    return globals;
}

}  // namespace tandem::script::detail
