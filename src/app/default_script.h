// The bundled default script (examples/default.lua), compiled into the
// binary so `tandem` runs without any file.
#pragma once

#include <string_view>

namespace tandem::app {

inline constexpr std::string_view kDefaultScriptName = "default.lua";

std::string_view default_script_text();

}  // namespace tandem::app
