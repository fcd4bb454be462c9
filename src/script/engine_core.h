// Internal to the script layer: the state behind a ScriptEngine. Lua C
// functions reach it through an upvalue, so it lives at a fixed address (the
// ScriptEngine holds it by unique_ptr) for the life of its lua_State.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "script/engine.h"
#include "script/lua_support.h"
#include "script/module.h"

namespace tandem::script {

class ScriptEngine::Core {
  public:
    // A route call in progress. A msg object remembers the id of the frame it
    // was made for and is dead once that frame has ended.
    struct Frame {
        std::uint64_t id = 0;
        RouteKind kind = RouteKind::TopLevel;
        const RoutedMessage* message = nullptr;  // null at the top level and in event routes
        int argument_ref = LUA_NOREF;            // what the route got (msg or event table)
    };

    Core(ScriptSource source, EngineEnvironment env);
    Core(const Core&) = delete;
    Core& operator=(const Core&) = delete;

    // Builds the Lua state, runs the top level and checks the result. Returns
    // every problem found.
    std::vector<Diagnostic> load();

    // Runs a route function and accounts for its outcome.
    RouteOutcome run_fixed_route(int function_ref, RouteKind kind, const RoutedMessage& message);
    RouteOutcome run_named_route(std::string_view name, RouteKind kind,
                                 const RoutedMessage& message);
    RouteOutcome run_event_route(std::string_view event, const EventParams& params);
    bool has_function(int function_ref) const { return function_ref != LUA_NOREF; }
    bool has_table_entry(int table_ref, std::string_view name) const;

    const ScriptConfig& config() const { return config_; }
    const ScriptSource& source() const { return source_; }
    const EngineEnvironment& environment() const { return env_; }
    lua_State* lua() const { return lua_.get(); }
    bool busy() const { return !frames_.empty(); }

    int reply_route_ref() const { return reply_ref_; }
    int request_route_ref() const { return request_ref_; }
    int failure_route_ref() const { return failure_ref_; }
    int named_routes_ref() const { return named_routes_ref_; }
    int event_routes_ref() const { return event_routes_ref_; }

    // ---- used by the Lua C functions (bridge, statements, msg object) ----

    const Frame* current_frame() const { return frames_.empty() ? nullptr : &frames_.back(); }
    const Frame* find_frame(std::uint64_t id) const;
    RouteKind current_kind() const;
    bool loading() const { return loading_; }

    // Calls an exported function with the arguments on the stack. Returns the
    // number of results pushed, or -1 with the error value pushed (the caller
    // raises it: no C++ object may be alive across lua_error).
    int invoke(lua_State* state, const FunctionSpec& spec);

    // Records a load problem at the calling script line (statements report
    // these instead of raising, so a check finds every problem at once).
    void add_diagnostic(lua_State* state, std::string message);
    ScriptConfig& mutable_config() { return config_; }
    const ModuleRegistry& modules() const { return *env_.modules; }

    // Pushes a new msg object bound to frame `frame_id`.
    void push_message_object(lua_State* state, std::uint64_t frame_id);
    // The message a msg object at `index` stands for; nullptr with an error
    // message pushed when the value is not a msg or its route has returned.
    // `prefix` and `name` name the access in that message ("msg.", "ruri").
    const RoutedMessage* message_at(lua_State* state, int index, std::string_view prefix,
                                    std::string_view name);

    // The value Lua code raises to end a route normally (exit()).
    static void* stop_route_key();

    // The SourceLocation of an error message or a stack level, with Lua's
    // shortened chunk name restored.
    SourceLocation caller_location(lua_State* state) const;

  private:
    RouteOutcome call_function_on_top(RouteKind kind, const RoutedMessage* message,
                                      const EventParams* params);
    bool set_up_state();
    void install_functions();
    void install_statements();
    void install_message_metatable();
    void check_routes();
    // Calls of globals that exist nowhere, and literal arguments their
    // functions refuse (global_calls.h), in the chunk at `chunk_index`.
    void check_global_calls(int chunk_index);
    void fill_default_params();
    void apply_instruction_budget();
    // Counts instructions in steps of hook_interval_ (none without a budget).
    void install_count_hook();
    std::string chunk_name() const { return "@" + source_.name; }
    static void count_hook(lua_State* state, lua_Debug* record);

    ScriptSource source_;
    EngineEnvironment env_;
    detail::LuaState lua_;
    ScriptConfig config_;
    std::vector<Diagnostic> diagnostics_;
    bool loading_ = false;

    std::vector<Frame> frames_;
    std::uint64_t next_frame_id_ = 1;
    std::int64_t instruction_budget_ = 0;  // 0: unlimited
    std::int64_t instructions_left_ = 0;
    std::int64_t hook_interval_ = 1;
    bool budget_exhausted_ = false;

    int request_ref_ = LUA_NOREF;
    int reply_ref_ = LUA_NOREF;
    int failure_ref_ = LUA_NOREF;
    int named_routes_ref_ = LUA_NOREF;
    int event_routes_ref_ = LUA_NOREF;
    int message_metatable_ref_ = LUA_NOREF;
};

}  // namespace tandem::script
