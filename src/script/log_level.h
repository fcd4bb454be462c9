// The OpenSIPS log levels scripts name (L_ALERT ... L_DBG), and how they map
// onto spdlog levels.
#pragma once

#include <spdlog/common.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tandem::script {

enum class ScriptLogLevel : std::uint8_t { Alert, Crit, Err, Warn, Notice, Info, Debug };

inline constexpr std::array<ScriptLogLevel, 7> kScriptLogLevels = {
    ScriptLogLevel::Alert,  ScriptLogLevel::Crit, ScriptLogLevel::Err,  ScriptLogLevel::Warn,
    ScriptLogLevel::Notice, ScriptLogLevel::Info, ScriptLogLevel::Debug};

// "L_ERR" ...
std::string_view log_level_name(ScriptLogLevel level);
// By name ("L_WARN"), exactly as OpenSIPS spells it.
std::optional<ScriptLogLevel> log_level_from_name(std::string_view name);
// By OpenSIPS number: L_ALERT -3, L_CRIT -2, L_ERR -1, L_WARN 1, L_NOTICE 2,
// L_INFO 3, L_DBG 4.
std::optional<ScriptLogLevel> log_level_from_number(std::int64_t number);
// spdlog has no alert or notice: alert logs as critical, notice as info.
spdlog::level::level_enum to_spdlog_level(ScriptLogLevel level);

}  // namespace tandem::script
