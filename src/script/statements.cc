// The script's statements: listen(), mi_listen(), modparam(), route(),
// event_route() and exit(). The declaring ones work only while the top level
// runs, and report bad values as load diagnostics at the calling line instead
// of raising, so that a check lists every problem of a script at once.
#include <algorithm>
#include <string>

#include "script/engine_core.h"
#include "script/log_level.h"

namespace tandem::script {
namespace {

using Core = ScriptEngine::Core;

Core& core_of(lua_State* state) {
    return *static_cast<Core*>(lua_touserdata(state, lua_upvalueindex(1)));
}

std::string type_of(lua_State* state, int index) {
    return luaL_typename(state, index);
}

void declare_address(lua_State* state, Core& core, std::string_view statement,
                     Result<SocketAddress> (*parse)(std::string_view),
                     std::vector<SocketAddress>& addresses) {
    const std::string prefix = std::string(statement) + ": ";
    if (lua_type(state, 1) != LUA_TSTRING) {
        core.add_diagnostic(state, prefix + "argument 1 (address) must be a string (got " +
                                       type_of(state, 1) + ")");
        return;
    }
    const std::string_view text = detail::to_string_view(state, 1);
    auto address = parse(text);
    if (!address) {
        core.add_diagnostic(
            state, prefix + "bad address '" + std::string(text) + "': " + address.error().reason);
        return;
    }
    if (std::find(addresses.begin(), addresses.end(), *address) != addresses.end()) {
        core.add_diagnostic(state, prefix + address->to_string() + " is declared twice");
        return;
    }
    addresses.push_back(std::move(*address));
}

int listen(lua_State* state) {
    Core& core = core_of(state);
    if (!core.loading()) return luaL_error(state, "listen: can only be used at the top level");
    declare_address(state, core, "listen", parse_socket_address, core.mutable_config().listens);
    return 0;
}

int mi_listen(lua_State* state) {
    Core& core = core_of(state);
    if (!core.loading()) return luaL_error(state, "mi_listen: can only be used at the top level");
    declare_address(state, core, "mi_listen", parse_http_address, core.mutable_config().mi_listens);
    return 0;
}

void declare_modparam(lua_State* state, Core& core) {
    for (int index = 1; index <= 2; ++index) {
        if (lua_type(state, index) != LUA_TSTRING) {
            core.add_diagnostic(state, "modparam: argument " + std::to_string(index) +
                                           (index == 1 ? " (module)" : " (parameter)") +
                                           " must be a string (got " + type_of(state, index) + ")");
            return;
        }
    }
    const std::string_view module = detail::to_string_view(state, 1);
    const std::string_view name = detail::to_string_view(state, 2);
    ParamValue value;
    std::int64_t integer = 0;
    if (lua_type(state, 3) == LUA_TSTRING) {
        value = std::string(detail::to_string_view(state, 3));
    } else if (detail::to_integer(state, 3, integer)) {
        value = integer;
    } else {
        core.add_diagnostic(
            state,
            "modparam: argument 3 (value) must be a string or an integer (got " +
                (lua_type(state, 3) == LUA_TNUMBER ? std::string(detail::to_string_view(state, 3))
                                                   : type_of(state, 3)) +
                ")");
        return;
    }
    if (core.modules().find_module(module) == nullptr) {
        core.add_diagnostic(state, "modparam: unknown module '" + std::string(module) + "'");
        return;
    }
    const ParamSpec* spec = core.modules().find_param(module, name);
    if (spec == nullptr) {
        core.add_diagnostic(state, "modparam: module '" + std::string(module) +
                                       "' has no parameter '" + std::string(name) + "'");
        return;
    }
    auto accepted = coerce_param_value(*spec, std::move(value));
    if (!accepted) {
        core.add_diagnostic(state, "modparam: " + std::string(module) + "." + std::string(name) +
                                       ": " + accepted.error().reason);
        return;
    }
    core.mutable_config().modparams[std::string(module)][std::string(name)] = std::move(*accepted);
}

int modparam(lua_State* state) {
    Core& core = core_of(state);
    if (!core.loading()) return luaL_error(state, "modparam: can only be used at the top level");
    declare_modparam(state, core);
    return 0;
}

// route(name, fn) and event_route(name, fn): keeps fn in the engine's table
// of such routes.
void define_route(lua_State* state, Core& core, std::string_view statement, int table_ref,
                  std::vector<std::string>& names) {
    const std::string prefix = std::string(statement) + ": ";
    if (lua_type(state, 1) != LUA_TSTRING || lua_objlen(state, 1) == 0) {
        core.add_diagnostic(state, prefix + "argument 1 (name) must be a non-empty string (got " +
                                       type_of(state, 1) + ")");
        return;
    }
    const std::string name(detail::to_string_view(state, 1));
    if (std::find(names.begin(), names.end(), name) != names.end()) {
        core.add_diagnostic(state, prefix + "'" + name + "' is defined twice");
        return;
    }
    names.push_back(name);
    lua_rawgeti(state, LUA_REGISTRYINDEX, table_ref);
    lua_pushvalue(state, 1);
    lua_pushvalue(state, 2);
    lua_rawset(state, -3);
    lua_pop(state, 1);
}

// route(name): runs the named route with what the current route got (its
// msg, or its event table) and returns what it returns, like OpenSIPS
// route(NAME).
int call_route(lua_State* state, Core& core) {
    const Core::Frame* frame = core.current_frame();
    if (frame == nullptr || frame->kind == RouteKind::TopLevel) {
        return luaL_error(state, "route: a route can only be called from another route");
    }
    if (lua_type(state, 1) != LUA_TSTRING) {
        return luaL_error(state, "route: argument 1 (name) must be a string (got %s)",
                          luaL_typename(state, 1));
    }
    lua_settop(state, 1);
    lua_rawgeti(state, LUA_REGISTRYINDEX, core.named_routes_ref());
    lua_pushvalue(state, 1);
    lua_rawget(state, -2);
    if (!lua_isfunction(state, -1)) {
        return luaL_error(state, "route: no route named '%s'", lua_tostring(state, 1));
    }
    const int base = lua_gettop(state) - 1;
    int argument_count = 0;
    if (frame->argument_ref != LUA_NOREF) {
        lua_rawgeti(state, LUA_REGISTRYINDEX, frame->argument_ref);
        argument_count = 1;
    }
    lua_call(state, argument_count, LUA_MULTRET);
    return lua_gettop(state) - base;
}

int route(lua_State* state) {
    Core& core = core_of(state);
    if (lua_isfunction(state, 2)) {
        if (!core.loading())
            return luaL_error(state, "route: routes can only be defined at the top level");
        define_route(state, core, "route", core.named_routes_ref(), core.mutable_config().routes);
        return 0;
    }
    if (!lua_isnoneornil(state, 2)) {
        return luaL_error(state, "route: argument 2 (route) must be a function (got %s)",
                          luaL_typename(state, 2));
    }
    return call_route(state, core);
}

int event_route(lua_State* state) {
    Core& core = core_of(state);
    if (!core.loading()) {
        return luaL_error(state, "event_route: event routes can only be defined at the top level");
    }
    if (!lua_isfunction(state, 2)) {
        return luaL_error(state, "event_route: argument 2 (route) must be a function (got %s)",
                          luaL_typename(state, 2));
    }
    define_route(state, core, "event_route", core.event_routes_ref(),
                 core.mutable_config().event_routes);
    return 0;
}

// exit(): ends the running route (or the top level) normally.
int exit_route(lua_State* state) {
    lua_pushlightuserdata(state, Core::stop_route_key());
    return lua_error(state);
}

}  // namespace

void ScriptEngine::Core::install_statements() {
    lua_State* state = lua();
    const struct {
        const char* name;
        lua_CFunction function;
    } statements[] = {{"listen", listen}, {"mi_listen", mi_listen},     {"modparam", modparam},
                      {"route", route},   {"event_route", event_route}, {"exit", exit_route}};
    for (const auto& statement : statements) {
        lua_pushlightuserdata(state, this);
        lua_pushcclosure(state, statement.function, 1);
        lua_setglobal(state, statement.name);
    }
    // xlog(L_ERR, ...) and xlog("L_ERR", ...) both work.
    for (ScriptLogLevel level : kScriptLogLevels) {
        const std::string name(log_level_name(level));
        detail::push_string(state, name);
        lua_setglobal(state, name.c_str());
    }
}

}  // namespace tandem::script
