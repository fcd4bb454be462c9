#include "script/script_host.h"

namespace tandem::script {
namespace {

bool same_settings(const ScriptConfig& a, const ScriptConfig& b) {
    return a.listens == b.listens && a.mi_listens == b.mi_listens && a.modparams == b.modparams;
}

}  // namespace

Result<ScriptHost> ScriptHost::start(ScriptSource source, EngineEnvironment env) {
    auto engine = ScriptEngine::load(source, env);
    if (!engine) return engine.error();
    return ScriptHost(std::move(*engine));
}

Result<ReloadReport> ScriptHost::reload() {
    if (engine_.busy()) return make_error("cannot reload while a route is running", 0);
    auto fresh = ScriptEngine::load(engine_.source(), engine_.environment());
    if (!fresh)
        return make_error("reload failed, keeping the running script:\n" + fresh.error().reason, 0);
    ReloadReport report;
    report.settings_changed = !same_settings(startup_config_, fresh->config());
    engine_ = std::move(*fresh);
    report.generation = ++generation_;
    return report;
}

}  // namespace tandem::script
