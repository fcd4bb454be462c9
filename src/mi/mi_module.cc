#include "mi/mi_module.h"

#include <string>

namespace tandem::mi {

script::ScriptModule mi_script_module() {
    return script::ScriptModule{
        .name = kScriptModuleName,
        .params = {{"auth_token", script::ParamType::String, script::ParamValue{std::string()}}},
    };
}

}  // namespace tandem::mi
