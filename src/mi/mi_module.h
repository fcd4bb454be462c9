// The script module "mi": the management interface's modparams.
//   modparam("mi", "auth_token", "secret")  -- bearer token; "" (default): none
#pragma once

#include "script/module.h"

namespace tandem::mi {

inline constexpr const char* kScriptModuleName = "mi";

script::ScriptModule mi_script_module();

}  // namespace tandem::mi
