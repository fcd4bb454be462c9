// The Lua engine of one worker thread. A ScriptEngine owns one LuaJIT state:
// loading runs the script's top level (which declares listeners, module
// parameters and routes) and checks the result; afterwards the worker calls
// routes with the message being routed. A route's Lua error never escapes:
// it is logged with its traceback and comes back as RouteStatus::ScriptError.
//
// An engine is used by one thread. It may be moved; what Lua holds on to
// lives behind a stable pointer.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "script/config.h"
#include "script/request_actions.h"
#include "script/types.h"

namespace spdlog {
class logger;
}

namespace tandem::script {

class LocalCache;
class ModuleRegistry;

// Where a script comes from: a file (read again at every load, so a reload
// sees the edits) or text held in memory (the bundled default script).
struct ScriptSource {
    static ScriptSource file(std::string path) { return {std::move(path), std::nullopt}; }
    static ScriptSource text(std::string name, std::string code) {
        return {std::move(name), std::move(code)};
    }

    // The path, or the name error messages give the text ("default.lua").
    std::string name;
    std::optional<std::string> code;
};

// What an engine uses and does not own; all of it must outlive the engine.
struct EngineEnvironment {
    // Required: the modules whose parameters and functions the script sees.
    const ModuleRegistry* modules = nullptr;
    // Shared by every worker. Without it the cache functions raise an error.
    LocalCache* cache = nullptr;
    // Where xlog/log and route errors go. Without it they are not logged.
    std::shared_ptr<spdlog::logger> logger;
};

enum class RouteStatus : std::uint8_t {
    Completed,    // the route returned, or ended with exit() / a function that stops it
    NoRoute,      // the script defines no such route
    ScriptError,  // a Lua error, the instruction budget included (answer 500)
};

struct RouteOutcome {
    RouteStatus status = RouteStatus::Completed;
    // What the route returned (nil, a boolean, an integer or a string);
    // other Lua values come back as nil.
    ScriptValue returned;
    // ScriptError: "file:line: message" and the Lua traceback.
    std::string error;
    std::string traceback;

    bool completed() const { return status == RouteStatus::Completed; }
};

class ScriptEngine {
  public:
    // Loads and runs the script's top level, then checks it (see check()).
    // Fails with every problem found, one "file:line: message" per line.
    static Result<ScriptEngine> load(const ScriptSource& source, const EngineEnvironment& env);
    // For `tandem --check`: loads the script the same way and returns every
    // problem found (none for a good script): syntax and top-level runtime
    // errors, unknown modules and parameters, values of the wrong type, bad
    // listen addresses, a missing request_route, route globals that are not
    // functions.
    static std::vector<Diagnostic> check(const ScriptSource& source, const EngineEnvironment& env);

    ScriptEngine(ScriptEngine&&) noexcept;
    ScriptEngine& operator=(ScriptEngine&&) noexcept;
    ScriptEngine(const ScriptEngine&) = delete;
    ScriptEngine& operator=(const ScriptEngine&) = delete;
    ~ScriptEngine();

    const ScriptConfig& config() const;
    const ScriptSource& source() const;
    const EngineEnvironment& environment() const;

    // The fixed routes: request_route(msg), reply_route(msg), failure_route(msg).
    RouteOutcome run_request_route(const RoutedMessage& message);
    RouteOutcome run_reply_route(const RoutedMessage& message);
    RouteOutcome run_failure_route(const RoutedMessage& message);
    // A route defined with route(name, fn), called with the message and run
    // as `kind` (a failure route armed by t_on_failure runs as Failure).
    RouteOutcome run_named_route(std::string_view name, RouteKind kind,
                                 const RoutedMessage& message);
    // A route defined with event_route(name, fn), called with a table of the
    // event's parameters.
    RouteOutcome run_event_route(std::string_view event, const EventParams& params);

    bool has_reply_route() const;
    bool has_failure_route() const;
    bool has_named_route(std::string_view name) const;
    bool has_event_route(std::string_view event) const;

    // True while a route (or the top level) runs: not a safe point to
    // replace the engine.
    bool busy() const;
    // Lua memory in use, in bytes.
    std::size_t memory_bytes() const;
    // Values left on the Lua stack between calls: 0 unless the engine leaks.
    // A health figure for tests and the management interface.
    int stack_height() const;

    class Core;

  private:
    explicit ScriptEngine(std::unique_ptr<Core> core);
    std::unique_ptr<Core> core_;
};

}  // namespace tandem::script
