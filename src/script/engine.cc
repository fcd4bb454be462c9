#include "script/engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "script/engine_core.h"
#include "script/global_calls.h"
#include "script/module.h"
#include "script/script_module.h"

namespace tandem::script {
namespace {

// The count hook fires every this many VM instructions (or every budget's
// worth, when the budget is smaller).
constexpr std::int64_t kHookInterval = 1000;

// Addresses used as unique registry keys and sentinel values.
constexpr char kCoreKey = 'c';
constexpr char kStopRouteKey = 's';

void* core_key() {
    return const_cast<char*>(&kCoreKey);
}

// Message handler of every route call: adds the traceback to the error
// message, and lets the exit() sentinel through untouched.
int add_traceback(lua_State* state) {
    if (lua_islightuserdata(state, 1) &&
        lua_touserdata(state, 1) == ScriptEngine::Core::stop_route_key()) {
        return 1;
    }
    const char* message = lua_tostring(state, 1);
    if (message == nullptr) {
        message = lua_pushfstring(state, "(error object is a %s value)", luaL_typename(state, 1));
    }
    luaL_traceback(state, state, message, 1);
    return 1;
}

void push_event_table(lua_State* state, const EventParams& params) {
    lua_createtable(state, 0, static_cast<int>(params.size()));
    for (const EventParam& param : params) {
        detail::push_string(state, param.name);
        if (const auto* integer = std::get_if<std::int64_t>(&param.value)) {
            lua_pushnumber(state, static_cast<lua_Number>(*integer));
        } else {
            detail::push_string(state, std::get<std::string>(param.value));
        }
        lua_rawset(state, -3);
    }
}

Result<std::string> read_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        return make_error("cannot read the script: " + std::generic_category().message(errno), 0);
    }
    std::ostringstream text;
    text << file.rdbuf();
    if (file.bad()) return make_error("cannot read the script", 0);
    return std::move(text).str();
}

// `route` and `name` together name the route: "request_route", "" or
// "route ", "relay".
void log_route_error(const EngineEnvironment& env, std::string_view route, std::string_view name,
                     const RouteOutcome& outcome) {
    if (outcome.status != RouteStatus::ScriptError || env.logger == nullptr) return;
    env.logger->error("script error in {}{}: {}\n{}", route, name, outcome.error,
                      outcome.traceback);
}

}  // namespace

// ---- Core ---------------------------------------------------------------

ScriptEngine::Core::Core(ScriptSource source, EngineEnvironment env)
    : source_(std::move(source)), env_(std::move(env)) {}

void* ScriptEngine::Core::stop_route_key() {
    return const_cast<char*>(&kStopRouteKey);
}

const ScriptEngine::Core::Frame* ScriptEngine::Core::find_frame(std::uint64_t id) const {
    for (const Frame& frame : frames_) {
        if (frame.id == id) return &frame;
    }
    return nullptr;
}

RouteKind ScriptEngine::Core::current_kind() const {
    return frames_.empty() ? RouteKind::TopLevel : frames_.back().kind;
}

SourceLocation ScriptEngine::Core::caller_location(lua_State* state) const {
    SourceLocation location = detail::lua_caller_location(state, 1);
    if (location.file.empty()) return SourceLocation{source_.name, 0};
    location.file = detail::restore_file_name(location.file, source_.name);
    return location;
}

void ScriptEngine::Core::add_diagnostic(lua_State* state, std::string message) {
    diagnostics_.push_back(Diagnostic{caller_location(state), std::move(message)});
}

bool ScriptEngine::Core::has_table_entry(int table_ref, std::string_view name) const {
    lua_State* state = lua();
    detail::StackGuard guard(state);
    lua_rawgeti(state, LUA_REGISTRYINDEX, table_ref);
    detail::push_string(state, name);
    lua_rawget(state, -2);
    return lua_isfunction(state, -1);
}

void ScriptEngine::Core::count_hook(lua_State* state, lua_Debug* record) {
    lua_pushlightuserdata(state, core_key());
    lua_rawget(state, LUA_REGISTRYINDEX);
    auto* core = static_cast<Core*>(lua_touserdata(state, -1));
    lua_pop(state, 1);
    if (core == nullptr || core->frames_.empty() || core->instruction_budget_ == 0) return;
    if (!core->budget_exhausted_) {
        core->instructions_left_ -= core->hook_interval_;
        if (core->instructions_left_ > 0) return;
        // From now on every instruction fails until the route has unwound:
        // a script that catches the error with pcall cannot go on looping.
        core->budget_exhausted_ = true;
        lua_sethook(state, count_hook, LUA_MASKCOUNT, 1);
    }
    // lua_error unwinds past this function: the text goes into a plain
    // buffer so that no C++ object is left to destroy.
    lua_getinfo(state, "Sl", record);
    char text[LUA_IDSIZE + 96];
    std::snprintf(text, sizeof text, "%s:%d: instruction budget of %lld exceeded (endless loop?)",
                  record->short_src, record->currentline,
                  static_cast<long long>(core->instruction_budget_));
    lua_pushstring(state, text);
    lua_error(state);
}

void ScriptEngine::Core::install_count_hook() {
    budget_exhausted_ = false;
    if (instruction_budget_ == 0) {
        lua_sethook(lua(), nullptr, 0, 0);
        return;
    }
    hook_interval_ = std::min(kHookInterval, instruction_budget_);
    lua_sethook(lua(), count_hook, LUA_MASKCOUNT, static_cast<int>(hook_interval_));
}

bool ScriptEngine::Core::set_up_state() {
    lua_State* state = lua();
    if (state == nullptr) return false;
    luaL_openlibs(state);
    // The instruction budget counts in the interpreter only: compiled traces
    // never call the count hook (apply_instruction_budget turns the compiler
    // back on when there is no budget).
    luaJIT_setmode(state, 0, LUAJIT_MODE_ENGINE | LUAJIT_MODE_OFF);
    // A script must not be able to end the whole server.
    lua_getglobal(state, "os");
    lua_pushnil(state);
    lua_setfield(state, -2, "exit");
    lua_pop(state, 1);

    // require("helpers") finds helpers.lua beside the script first.
    if (!source_.code) {
        const std::filesystem::path directory = std::filesystem::path(source_.name).parent_path();
        const std::string pattern =
            (directory.empty() ? std::string(".") : directory.string()) + "/?.lua;";
        lua_getglobal(state, "package");
        lua_getfield(state, -1, "path");
        detail::push_string(state, pattern);
        lua_insert(state, -2);
        lua_concat(state, 2);
        lua_setfield(state, -2, "path");
        lua_pop(state, 1);
    }

    lua_pushlightuserdata(state, core_key());
    lua_pushlightuserdata(state, this);
    lua_rawset(state, LUA_REGISTRYINDEX);
    lua_newtable(state);
    named_routes_ref_ = luaL_ref(state, LUA_REGISTRYINDEX);
    lua_newtable(state);
    event_routes_ref_ = luaL_ref(state, LUA_REGISTRYINDEX);

    install_message_metatable();
    install_statements();
    install_functions();

    // The top level runs under the default budget: modparam() may change it
    // for the routes only once the top level has finished.
    instruction_budget_ = kDefaultInstructionBudget;
    install_count_hook();
    return true;
}

void ScriptEngine::Core::apply_instruction_budget() {
    instruction_budget_ = config_.integer_param(kScriptModuleName, kInstructionBudgetParam)
                              .value_or(kDefaultInstructionBudget);
    install_count_hook();
    if (instruction_budget_ == 0) luaJIT_setmode(lua(), 0, LUAJIT_MODE_ENGINE | LUAJIT_MODE_ON);
}

void ScriptEngine::Core::check_routes() {
    struct Required {
        const char* name;
        bool mandatory;
        int* ref;
    };
    const Required routes[] = {{"request_route", true, &request_ref_},
                               {"reply_route", false, &reply_ref_},
                               {"failure_route", false, &failure_ref_}};
    lua_State* state = lua();
    for (const Required& route : routes) {
        lua_getglobal(state, route.name);
        if (lua_isfunction(state, -1)) {
            *route.ref = luaL_ref(state, LUA_REGISTRYINDEX);
            continue;
        }
        const std::string name = route.name;
        if (lua_isnil(state, -1)) {
            if (route.mandatory) {
                diagnostics_.push_back(
                    {SourceLocation{source_.name, 0}, name +
                                                          " is not defined: the script must define "
                                                          "function " +
                                                          name + "(msg)"});
            }
        } else {
            diagnostics_.push_back(
                {SourceLocation{source_.name, 0},
                 name + " must be a function (got a " + luaL_typename(state, -1) + ")"});
        }
        lua_pop(state, 1);
    }
}

void ScriptEngine::Core::check_global_calls(int chunk_index) {
    lua_State* state = lua();
    auto scanned = detail::scan_global_calls(state, chunk_index);
    if (!scanned) {
        diagnostics_.push_back({SourceLocation{source_.name, 0},
                                "cannot check the calls of the script: " + scanned.error().reason});
        return;
    }
    for (const detail::GlobalCall& call : scanned->calls) {
        // A global the script assigns anywhere is its own, whatever it is
        // named; otherwise the name must exist once the top level has run
        // (Lua's libraries, Tandem's functions, what require()d files set).
        if (scanned->assigned.contains(call.name)) continue;
        const SourceLocation where{source_.name, call.line};
        lua_pushvalue(state, LUA_GLOBALSINDEX);
        detail::push_string(state, call.name);
        lua_rawget(state, -2);
        const bool defined = !lua_isnil(state, -1);
        lua_pop(state, 2);
        if (!defined) {
            diagnostics_.push_back({where, "unknown function '" + call.name + "'"});
            continue;
        }
        const FunctionSpec* function = env_.modules->find_function(call.name);
        if (function == nullptr) continue;
        for (std::size_t n = 0; n < call.literals.size() && n < function->args.size(); ++n) {
            const ArgSpec& arg = function->args[n];
            if (!call.literals[n] || !arg.check_literal) continue;
            if (Status valid = arg.check_literal(*call.literals[n]); !valid) {
                diagnostics_.push_back({where, call.name + ": argument " + std::to_string(n + 1) +
                                                   " (" + arg.name + ") " + valid.error().reason +
                                                   " (got \"" + *call.literals[n] + "\")"});
            }
        }
    }
}

void ScriptEngine::Core::fill_default_params() {
    for (const ScriptModule& module : env_.modules->modules()) {
        auto& params = config_.modparams[module.name];
        for (const ParamSpec& param : module.params)
            params.try_emplace(param.name, param.default_value);
    }
}

std::vector<Diagnostic> ScriptEngine::Core::load() {
    if (env_.modules == nullptr) {
        return {Diagnostic{SourceLocation{source_.name, 0}, "no module registry given"}};
    }
    if (!set_up_state()) {
        return {Diagnostic{SourceLocation{source_.name, 0}, "cannot create a Lua state"}};
    }
    std::string code;
    if (source_.code) {
        code = *source_.code;
    } else {
        auto text = read_file(source_.name);
        if (!text) return {Diagnostic{SourceLocation{source_.name, 0}, text.error().reason}};
        code = std::move(*text);
    }

    lua_State* state = lua();
    detail::StackGuard guard(state);
    const std::string chunk = chunk_name();
    if (luaL_loadbuffer(state, code.data(), code.size(), chunk.c_str()) != 0) {
        diagnostics_.push_back(
            detail::parse_lua_error(detail::to_string_view(state, -1), source_.name));
        return std::move(diagnostics_);
    }
    // A copy of the chunk stays below for the static checks.
    const int chunk_index = lua_gettop(state);
    lua_pushvalue(state, chunk_index);
    loading_ = true;
    const RouteOutcome top_level = call_function_on_top(RouteKind::TopLevel, nullptr, nullptr);
    loading_ = false;
    if (top_level.status == RouteStatus::ScriptError) {
        // The rest of the top level did not run: route checks would only
        // report routes defined further down.
        diagnostics_.push_back(detail::parse_lua_error(top_level.error, source_.name));
        return std::move(diagnostics_);
    }
    check_routes();
    check_global_calls(chunk_index);
    fill_default_params();
    apply_instruction_budget();
    return std::move(diagnostics_);
}

RouteOutcome ScriptEngine::Core::call_function_on_top(RouteKind kind, const RoutedMessage* message,
                                                      const EventParams* params) {
    lua_State* state = lua();
    const int function_index = lua_gettop(state);
    detail::StackGuard guard(state, function_index - 1);
    lua_pushcfunction(state, add_traceback);
    lua_insert(state, function_index);
    const int handler_index = function_index;

    Frame frame{next_frame_id_++, kind, message, LUA_NOREF};
    int argument_count = 0;
    if (message != nullptr) {
        push_message_object(state, frame.id);
        argument_count = 1;
    } else if (params != nullptr) {
        push_event_table(state, *params);
        argument_count = 1;
    }
    if (argument_count == 1) {
        lua_pushvalue(state, -1);
        frame.argument_ref = luaL_ref(state, LUA_REGISTRYINDEX);
    }
    if (frames_.empty()) {
        instructions_left_ = instruction_budget_;
        if (budget_exhausted_) install_count_hook();
    }
    frames_.push_back(frame);
    const int status = lua_pcall(state, argument_count, 1, handler_index);
    frames_.pop_back();
    luaL_unref(state, LUA_REGISTRYINDEX, frame.argument_ref);

    RouteOutcome outcome;
    if (status == 0) {
        outcome.returned = detail::to_value(state, -1);
        return outcome;
    }
    if (lua_islightuserdata(state, -1) && lua_touserdata(state, -1) == stop_route_key()) {
        return outcome;
    }
    outcome.status = RouteStatus::ScriptError;
    const std::string_view text =
        lua_isstring(state, -1) ? detail::to_string_view(state, -1) : "unknown Lua error";
    constexpr std::string_view kTracebackStart = "\nstack traceback:";
    const std::size_t split = text.find(kTracebackStart);
    outcome.error = std::string(text.substr(0, split));
    if (split != std::string_view::npos) outcome.traceback = std::string(text.substr(split + 1));
    return outcome;
}

RouteOutcome ScriptEngine::Core::run_fixed_route(int function_ref, RouteKind kind,
                                                 const RoutedMessage& message) {
    if (function_ref == LUA_NOREF) return RouteOutcome{RouteStatus::NoRoute, {}, {}, {}};
    lua_rawgeti(lua(), LUA_REGISTRYINDEX, function_ref);
    return call_function_on_top(kind, &message, nullptr);
}

RouteOutcome ScriptEngine::Core::run_named_route(std::string_view name, RouteKind kind,
                                                 const RoutedMessage& message) {
    lua_State* state = lua();
    lua_rawgeti(state, LUA_REGISTRYINDEX, named_routes_ref_);
    detail::push_string(state, name);
    lua_rawget(state, -2);
    lua_remove(state, -2);
    if (!lua_isfunction(state, -1)) {
        lua_pop(state, 1);
        return RouteOutcome{RouteStatus::NoRoute, {}, {}, {}};
    }
    return call_function_on_top(kind, &message, nullptr);
}

RouteOutcome ScriptEngine::Core::run_event_route(std::string_view event,
                                                 const EventParams& params) {
    lua_State* state = lua();
    lua_rawgeti(state, LUA_REGISTRYINDEX, event_routes_ref_);
    detail::push_string(state, event);
    lua_rawget(state, -2);
    lua_remove(state, -2);
    if (!lua_isfunction(state, -1)) {
        lua_pop(state, 1);
        return RouteOutcome{RouteStatus::NoRoute, {}, {}, {}};
    }
    return call_function_on_top(RouteKind::Event, nullptr, &params);
}

// ---- ScriptEngine -------------------------------------------------------

ScriptEngine::ScriptEngine(std::unique_ptr<Core> core) : core_(std::move(core)) {}
ScriptEngine::ScriptEngine(ScriptEngine&&) noexcept = default;
ScriptEngine& ScriptEngine::operator=(ScriptEngine&&) noexcept = default;
ScriptEngine::~ScriptEngine() = default;

Result<ScriptEngine> ScriptEngine::load(const ScriptSource& source, const EngineEnvironment& env) {
    auto core = std::make_unique<Core>(source, env);
    std::vector<Diagnostic> diagnostics = core->load();
    if (!diagnostics.empty()) return make_error(join_diagnostics(diagnostics), 0);
    return ScriptEngine(std::move(core));
}

std::vector<Diagnostic> ScriptEngine::check(const ScriptSource& source,
                                            const EngineEnvironment& env) {
    Core core(source, env);
    return core.load();
}

const ScriptConfig& ScriptEngine::config() const {
    return core_->config();
}
const ScriptSource& ScriptEngine::source() const {
    return core_->source();
}
const EngineEnvironment& ScriptEngine::environment() const {
    return core_->environment();
}
bool ScriptEngine::busy() const {
    return core_->busy();
}

std::size_t ScriptEngine::memory_bytes() const {
    lua_State* state = core_->lua();
    return static_cast<std::size_t>(lua_gc(state, LUA_GCCOUNT, 0)) * 1024 +
           static_cast<std::size_t>(lua_gc(state, LUA_GCCOUNTB, 0));
}

int ScriptEngine::stack_height() const {
    return lua_gettop(core_->lua());
}

RouteOutcome ScriptEngine::run_request_route(const RoutedMessage& message) {
    RouteOutcome outcome =
        core_->run_fixed_route(core_->request_route_ref(), RouteKind::Request, message);
    log_route_error(core_->environment(), "request_route", "", outcome);
    return outcome;
}

RouteOutcome ScriptEngine::run_reply_route(const RoutedMessage& message) {
    RouteOutcome outcome =
        core_->run_fixed_route(core_->reply_route_ref(), RouteKind::Reply, message);
    log_route_error(core_->environment(), "reply_route", "", outcome);
    return outcome;
}

RouteOutcome ScriptEngine::run_failure_route(const RoutedMessage& message) {
    RouteOutcome outcome =
        core_->run_fixed_route(core_->failure_route_ref(), RouteKind::Failure, message);
    log_route_error(core_->environment(), "failure_route", "", outcome);
    return outcome;
}

RouteOutcome ScriptEngine::run_named_route(std::string_view name, RouteKind kind,
                                           const RoutedMessage& message) {
    RouteOutcome outcome = core_->run_named_route(name, kind, message);
    log_route_error(core_->environment(), "route ", name, outcome);
    return outcome;
}

RouteOutcome ScriptEngine::run_event_route(std::string_view event, const EventParams& params) {
    RouteOutcome outcome = core_->run_event_route(event, params);
    log_route_error(core_->environment(), "event_route ", event, outcome);
    return outcome;
}

bool ScriptEngine::has_reply_route() const {
    return core_->has_function(core_->reply_route_ref());
}
bool ScriptEngine::has_failure_route() const {
    return core_->has_function(core_->failure_route_ref());
}
bool ScriptEngine::has_named_route(std::string_view name) const {
    return core_->has_table_entry(core_->named_routes_ref(), name);
}
bool ScriptEngine::has_event_route(std::string_view event) const {
    return core_->has_table_entry(core_->event_routes_ref(), event);
}

}  // namespace tandem::script
