// The script of one worker, reloadable. A ScriptHost owns the worker's
// current ScriptEngine and can replace it with a fresh one built from the same
// source (SIGHUP, MI reload_routes). The worker calls reload() between two
// messages; the local cache is shared and outlives every engine, so reloading
// keeps it, and calls in progress keep their state in the layers that own
// them, not in Lua.
#pragma once

#include <cstdint>

#include "base/result.h"
#include "script/engine.h"

namespace tandem::script {

struct ReloadReport {
    // Number of engines loaded so far, the first included.
    std::uint64_t generation = 0;
    // The new script declares other listeners, management listeners or
    // module parameters than the script the server started with. Those are
    // read at start-up only: the new routes run, the settings stay until a
    // restart.
    bool settings_changed = false;
};

class ScriptHost {
  public:
    // Loads the first engine.
    static Result<ScriptHost> start(ScriptSource source, EngineEnvironment env);

    ScriptEngine& engine() { return engine_; }
    const ScriptEngine& engine() const { return engine_; }
    std::uint64_t generation() const { return generation_; }
    // The configuration of the first engine: the settings the server runs with.
    const ScriptConfig& startup_config() const { return startup_config_; }

    // Loads the source again into a new engine and, if it loads, makes it the
    // current one. On failure (the script does not load, or a route is
    // running) the current engine stays and the error says why.
    Result<ReloadReport> reload();

  private:
    explicit ScriptHost(ScriptEngine engine)
        : engine_(std::move(engine)), startup_config_(engine_.config()) {}
    ScriptEngine engine_;
    ScriptConfig startup_config_;
    std::uint64_t generation_ = 1;
};

}  // namespace tandem::script
