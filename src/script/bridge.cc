// The bridge between Lua calls and exported C++ functions: every registered
// function becomes a Lua global closure over the engine and its spec; a call
// checks and converts the arguments, runs the callable and pushes its value.
#include <exception>
#include <string>

#include "script/engine_core.h"

namespace tandem::script {
namespace {

// Converts the Lua value at `index` as `spec` declares it. On a type
// mismatch returns false and sets `problem` ("must be a string (got nil)").
bool convert_argument(lua_State* state, int index, const ArgSpec& spec, ArgumentValue& out,
                      std::string& problem) {
    const int type = lua_type(state, index);
    if (type == LUA_TNIL || type == LUA_TNONE) {
        if (spec.optional) {
            out = std::monostate{};
            return true;
        }
        problem = "must be " + std::string(arg_type_name(spec.type)) + " (got nil)";
        return false;
    }
    std::int64_t integer = 0;
    switch (spec.type) {
        case ArgType::String:
            if (type == LUA_TSTRING || type == LUA_TNUMBER) {
                // lua_tolstring turns a number into a string in its stack
                // slot, which keeps the text alive for the call.
                out = detail::to_string_view(state, index);
                return true;
            }
            break;
        case ArgType::Integer:
            if (detail::to_integer(state, index, integer)) {
                out = integer;
                return true;
            }
            break;
        case ArgType::Boolean:
            if (type == LUA_TBOOLEAN) {
                out = lua_toboolean(state, index) != 0;
                return true;
            }
            break;
        case ArgType::Scalar:
            if (type == LUA_TSTRING) {
                out = detail::to_string_view(state, index);
                return true;
            }
            if (detail::to_integer(state, index, integer)) {
                out = integer;
                return true;
            }
            break;
        case ArgType::StringList:
            if (type == LUA_TTABLE) {
                std::vector<std::string_view> items;
                const int count = static_cast<int>(lua_objlen(state, index));
                items.reserve(static_cast<std::size_t>(count));
                for (int i = 1; i <= count; ++i) {
                    if (lua_checkstack(state, 1) == 0) {
                        problem = "has too many elements";
                        return false;
                    }
                    lua_rawgeti(state, index, i);
                    const int item_type = lua_type(state, -1);
                    if (item_type != LUA_TSTRING && item_type != LUA_TNUMBER) {
                        problem = "must be a table of strings (element " + std::to_string(i) +
                                  " is a " + luaL_typename(state, -1) + ")";
                        return false;
                    }
                    // The element stays on the stack: a number converted to
                    // text lives only there.
                    items.push_back(detail::to_string_view(state, -1));
                }
                out = std::move(items);
                return true;
            }
            break;
    }
    if (type == LUA_TNUMBER) {
        problem = "must be " + std::string(arg_type_name(spec.type)) + " (got " +
                  std::string(detail::to_string_view(state, index)) + ")";
        return false;
    }
    problem = "must be " + std::string(arg_type_name(spec.type)) + " (got " +
              luaL_typename(state, index) + ")";
    return false;
}

// Pushes "file:line: text" for the calling line; returns -1 for invoke().
int push_error(lua_State* state, const std::string& text) {
    detail::push_error_at_caller(state, text);
    return -1;
}

int call_exported_function(lua_State* state) {
    auto* core = static_cast<ScriptEngine::Core*>(lua_touserdata(state, lua_upvalueindex(1)));
    const auto* spec = static_cast<const FunctionSpec*>(lua_touserdata(state, lua_upvalueindex(2)));
    const int results = core->invoke(state, *spec);
    if (results < 0) return lua_error(state);
    return results;
}

}  // namespace

int ScriptEngine::Core::invoke(lua_State* state, const FunctionSpec& spec) {
    const RouteKind kind = current_kind();
    if (!spec.usable_in.contains(kind)) {
        const std::string where = kind == RouteKind::TopLevel
                                      ? "at the top level of the script"
                                      : "in " + std::string(route_kind_name(kind));
        return push_error(state, spec.name + ": cannot be used " + where);
    }
    const int given = lua_gettop(state);
    if (given > static_cast<int>(spec.args.size())) {
        return push_error(state, spec.name + ": too many arguments (" + std::to_string(given) +
                                     " given, at most " + std::to_string(spec.args.size()) + ")");
    }
    Arguments arguments;
    std::string problem;
    for (std::size_t i = 0; i < spec.args.size(); ++i) {
        ArgumentValue value;
        const int index = static_cast<int>(i) + 1;
        if (!convert_argument(state, index, spec.args[i], value, problem)) {
            return push_error(state, spec.name + ": argument " + std::to_string(index) + " (" +
                                         spec.args[i].name + ") " + problem);
        }
        arguments.push_back(std::move(value));
    }

    const Frame* frame = current_frame();
    CallContext context(CallContext::Parts{
        .function_name = spec.name,
        .route_kind = kind,
        .message = frame != nullptr ? frame->message : nullptr,
        .cache = env_.cache,
        .logger = env_.logger.get(),
        .lua = state,
    });
    std::optional<Result<ScriptValue>> result;
    try {
        result.emplace(spec.callable(context, arguments));
    } catch (const std::exception& error) {
        return push_error(state, spec.name + ": internal error: " + error.what());
    }
    if (!result->ok()) return push_error(state, spec.name + ": " + result->error().reason);
    const ScriptValue& value = result->value();
    if (std::holds_alternative<StopRoute>(value)) {
        lua_pushlightuserdata(state, stop_route_key());
        return -1;
    }
    detail::push_value(state, value);
    return 1;
}

void ScriptEngine::Core::install_functions() {
    lua_State* state = lua();
    for (const ScriptModule& module : env_.modules->modules()) {
        for (const FunctionSpec& function : module.functions) {
            lua_pushlightuserdata(state, this);
            lua_pushlightuserdata(state, const_cast<FunctionSpec*>(&function));
            lua_pushcclosure(state, call_exported_function, 2);
            lua_setglobal(state, function.name.c_str());
        }
    }
}

}  // namespace tandem::script
