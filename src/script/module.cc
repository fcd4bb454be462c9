#include "script/module.h"

#include <algorithm>
#include <array>
#include <cstdlib>

#include "script/script_module.h"

namespace tandem::script {
namespace {

constexpr std::array<std::string_view, 21> kLuaKeywords = {
    "and", "break", "do",  "else", "elseif", "end",    "false",  "for",  "function", "goto",  "if",
    "in",  "local", "nil", "not",  "or",     "repeat", "return", "then", "true",     "until",
};

// Globals of the Lua and LuaJIT standard libraries, and the script
// statements the engine defines itself: a module function must not hide them.
constexpr std::array<std::string_view, 41> kReservedGlobals = {
    "_G",       "_VERSION", "assert",     "collectgarbage", "coroutine",    "debug",    "dofile",
    "error",    "gcinfo",   "getfenv",    "getmetatable",   "io",           "ipairs",   "jit",
    "load",     "loadfile", "loadstring", "math",           "module",       "newproxy", "next",
    "os",       "package",  "pairs",      "pcall",          "print",        "rawequal", "rawget",
    "rawset",   "require",  "select",     "setfenv",        "setmetatable", "string",   "table",
    "tonumber", "tostring", "type",       "unpack",         "xpcall",       "bit",
};

constexpr std::array<std::string_view, 6> kStatements = {"listen", "mi_listen",   "modparam",
                                                         "route",  "event_route", "exit"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

Status check_function(const FunctionSpec& function) {
    const std::string prefix = "function '" + function.name + "': ";
    if (!is_lua_identifier(function.name)) return make_error(prefix + "not a Lua identifier");
    if (contains(kReservedGlobals, function.name) || contains(kStatements, function.name)) {
        return make_error(prefix + "the name is reserved");
    }
    if (!function.callable) return make_error(prefix + "no callable");
    if (function.args.size() > kMaxArguments) return make_error(prefix + "too many arguments");
    if (function.usable_in.empty()) return make_error(prefix + "usable nowhere");
    bool seen_optional = false;
    for (const ArgSpec& arg : function.args) {
        if (arg.optional) {
            seen_optional = true;
        } else if (seen_optional) {
            return make_error(prefix + "required argument '" + arg.name +
                              "' after an optional one");
        }
    }
    return {};
}

}  // namespace

bool is_lua_identifier(std::string_view name) {
    if (name.empty() || contains(kLuaKeywords, name)) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        const bool digit = c >= '0' && c <= '9';
        if (!letter && !(digit && i > 0)) return false;
    }
    return true;
}

Result<ParamValue> coerce_param_value(const ParamSpec& spec, ParamValue value) {
    if (spec.type == ParamType::Integer && !std::holds_alternative<std::int64_t>(value)) {
        return make_error("must be an integer (got a string)");
    }
    if (spec.type == ParamType::String) {
        if (const auto* integer = std::get_if<std::int64_t>(&value)) {
            value = std::to_string(*integer);
        }
    }
    if (spec.validate) {
        Status valid = spec.validate(value);
        if (!valid) return valid.error();
    }
    return value;
}

ModuleRegistry::ModuleRegistry() {
    Status added = add(script_module());
    // The engine's own table is fixed; failing here is a bug in it.
    if (!added) std::abort();
}

Status ModuleRegistry::add(ScriptModule module) {
    if (module.name.empty()) return make_error("a module needs a name");
    if (find_module(module.name) != nullptr) {
        return make_error("module '" + module.name + "' is already registered");
    }
    for (std::size_t i = 0; i < module.params.size(); ++i) {
        const ParamSpec& param = module.params[i];
        const std::string prefix = module.name + "." + param.name + ": ";
        if (param.name.empty()) return make_error(module.name + ": a parameter needs a name");
        for (std::size_t j = 0; j < i; ++j) {
            if (module.params[j].name == param.name) return make_error(prefix + "declared twice");
        }
        auto coerced = coerce_param_value(param, param.default_value);
        if (!coerced) return make_error(prefix + "bad default: " + coerced.error().reason);
        if (*coerced != param.default_value) {
            return make_error(prefix + "the default does not have the parameter's type");
        }
    }
    for (std::size_t i = 0; i < module.functions.size(); ++i) {
        const FunctionSpec& function = module.functions[i];
        Status valid = check_function(function);
        if (!valid) return make_error(module.name + ": " + valid.error().reason);
        bool taken = find_function(function.name) != nullptr;
        for (std::size_t j = 0; j < i; ++j)
            taken = taken || module.functions[j].name == function.name;
        if (taken) {
            return make_error(module.name + ": function '" + function.name +
                              "' is already registered");
        }
    }
    modules_.push_back(std::move(module));
    return {};
}

const ScriptModule* ModuleRegistry::find_module(std::string_view name) const {
    for (const ScriptModule& module : modules_) {
        if (module.name == name) return &module;
    }
    return nullptr;
}

const ParamSpec* ModuleRegistry::find_param(std::string_view module_name,
                                            std::string_view name) const {
    const ScriptModule* module = find_module(module_name);
    if (module == nullptr) return nullptr;
    for (const ParamSpec& param : module->params) {
        if (param.name == name) return &param;
    }
    return nullptr;
}

const FunctionSpec* ModuleRegistry::find_function(std::string_view name) const {
    for (const ScriptModule& module : modules_) {
        for (const FunctionSpec& function : module.functions) {
            if (function.name == name) return &function;
        }
    }
    return nullptr;
}

}  // namespace tandem::script
