// The command line of the tandem binary:
//   tandem [--config FILE.lua] [--check] [--workers N] [--log-level L]
#pragma once

#include <optional>
#include <string>
#include <variant>

namespace tandem::app {

struct CommandLine {
    // The routing script; the bundled default script when absent.
    std::optional<std::string> config;
    // Load and validate the script, print what is wrong, exit.
    bool check = false;
    // Worker threads; 0 means one per core.
    unsigned workers = 0;
    // trace, debug, info, warn, error, critical or off.
    std::string log_level = "info";
};

// The parsed command line, or the exit code when parsing ends the program
// (--help, --version, a bad option: CLI11 has printed why).
std::variant<CommandLine, int> parse_command_line(int argc, char** argv);

}  // namespace tandem::app
