#include "script/log_level.h"

namespace tandem::script {

std::string_view log_level_name(ScriptLogLevel level) {
    switch (level) {
        case ScriptLogLevel::Alert:
            return "L_ALERT";
        case ScriptLogLevel::Crit:
            return "L_CRIT";
        case ScriptLogLevel::Err:
            return "L_ERR";
        case ScriptLogLevel::Warn:
            return "L_WARN";
        case ScriptLogLevel::Notice:
            return "L_NOTICE";
        case ScriptLogLevel::Info:
            return "L_INFO";
        case ScriptLogLevel::Debug:
            return "L_DBG";
    }
    return "";
}

std::optional<ScriptLogLevel> log_level_from_name(std::string_view name) {
    for (ScriptLogLevel level : kScriptLogLevels) {
        if (log_level_name(level) == name) return level;
    }
    return std::nullopt;
}

std::optional<ScriptLogLevel> log_level_from_number(std::int64_t number) {
    switch (number) {
        case -3:
            return ScriptLogLevel::Alert;
        case -2:
            return ScriptLogLevel::Crit;
        case -1:
            return ScriptLogLevel::Err;
        case 1:
            return ScriptLogLevel::Warn;
        case 2:
            return ScriptLogLevel::Notice;
        case 3:
            return ScriptLogLevel::Info;
        case 4:
            return ScriptLogLevel::Debug;
        default:
            return std::nullopt;
    }
}

spdlog::level::level_enum to_spdlog_level(ScriptLogLevel level) {
    switch (level) {
        case ScriptLogLevel::Alert:
        case ScriptLogLevel::Crit:
            return spdlog::level::critical;
        case ScriptLogLevel::Err:
            return spdlog::level::err;
        case ScriptLogLevel::Warn:
            return spdlog::level::warn;
        case ScriptLogLevel::Notice:
        case ScriptLogLevel::Info:
            return spdlog::level::info;
        case ScriptLogLevel::Debug:
            return spdlog::level::debug;
    }
    return spdlog::level::err;
}

}  // namespace tandem::script
