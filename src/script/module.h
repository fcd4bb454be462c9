// What a module exports to the script, declared in one table: its name, the
// parameters modparam() may set (with type and default) and its script
// functions (typed signatures). The app adds every module's table to one
// ModuleRegistry before loading the script; engines read it and never change
// it, so one registry serves every worker.
//
//   ScriptModule{
//       .name = "callops",
//       .params = {{"mode", ParamType::String, std::string("param"), check_mode},
//                  {"match_param", ParamType::String, std::string("osid")}},
//       .functions = {{"call_transfer",
//                      {{"leg", ArgType::String}, {"destination", ArgType::String}},
//                      transfer_callable}},
//   }
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "script/function.h"
#include "script/types.h"

namespace tandem::script {

enum class ParamType : std::uint8_t {
    Integer,
    String,  // an integer given in the script is accepted and kept as its decimal text
};

struct ParamSpec {
    std::string name{};
    ParamType type = ParamType::String;
    ParamValue default_value{};
    // A further check of a value of the right type (one of a set of words, a
    // range); its error reason is reported at the modparam() line. Optional.
    std::function<Status(const ParamValue&)> validate{};
};

// Members have initializers so that a table may leave any of them out.
struct ScriptModule {
    std::string name{};
    std::vector<ParamSpec> params{};
    std::vector<FunctionSpec> functions{};
};

class ModuleRegistry {
  public:
    // Starts with the engine's own module "script" (see script_module()).
    ModuleRegistry();

    // Adds a module. Refuses a module or function name already taken, a
    // function name that is a Lua keyword, a standard Lua global or a script
    // statement (listen, modparam, route ...), a parameter whose default does
    // not match its type or validator, more than kMaxArguments arguments, a
    // required argument after an optional one, and a missing callable.
    Status add(ScriptModule module);

    const ScriptModule* find_module(std::string_view name) const;
    const ParamSpec* find_param(std::string_view module, std::string_view name) const;
    const FunctionSpec* find_function(std::string_view name) const;

    // Modules in the order they were added; their addresses are stable.
    const std::deque<ScriptModule>& modules() const { return modules_; }

  private:
    std::deque<ScriptModule> modules_;
};

// Whether `name` can be a Lua global: an identifier that is not a keyword.
bool is_lua_identifier(std::string_view name);

// Checks a value against a parameter's type and validator; an integer given
// for a string parameter comes back as its text. The error reason does not
// name the parameter.
Result<ParamValue> coerce_param_value(const ParamSpec& spec, ParamValue value);

}  // namespace tandem::script
