// The engine's own module, "script": the parameters of the engine and the
// functions every script has, whatever else is loaded:
//   xlog([level,] text)            log(level, text)
//   cache_store("local", key, value [, expire_seconds])
//   cache_fetch("local", key)      cache_remove("local", key)
//   has_totag()                    is_method("INVITE|BYE")   (message routes)
// Every ModuleRegistry starts with it.
#pragma once

#include <cstdint>

#include "script/module.h"

namespace tandem::script {

inline constexpr std::string_view kScriptModuleName = "script";
// modparam("script", "instruction_budget", N): Lua VM instructions one route
// call (with everything it calls) may run before it is aborted; 0 disables
// the limit (and enables LuaJIT's compiler, which the limit needs off).
inline constexpr std::string_view kInstructionBudgetParam = "instruction_budget";
inline constexpr std::int64_t kDefaultInstructionBudget = 10'000'000;

ScriptModule script_module();

}  // namespace tandem::script
