#include "app/command_line.h"

#include <CLI/CLI.hpp>

namespace tandem::app {

std::variant<CommandLine, int> parse_command_line(int argc, char** argv) {
    CommandLine line;
    CLI::App cli{"Tandem: a SIP proxy, B2BUA and call-control server driven by a Lua script",
                 "tandem"};
    cli.set_version_flag("--version", "tandem 0.1.0");
    cli.add_option("-c,--config", line.config,
                   "routing script (Lua); without it the bundled default script runs")
        ->check(CLI::ExistingFile);
    cli.add_flag("--check", line.check, "load and validate the script, print problems, exit");
    cli.add_option("-w,--workers", line.workers, "worker threads (default: one per core)")
        ->check(CLI::Range(1u, 256u));
    cli.add_option("-l,--log-level", line.log_level,
                   "trace, debug, info, warn, error, critical, off")
        ->check(CLI::IsMember(
            {"trace", "debug", "info", "warn", "warning", "error", "err", "critical", "off"}));
    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return cli.exit(error);
    }
    return line;
}

}  // namespace tandem::app
