// tandem: the SIP server. See docs/running.md.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>

#include "app/command_line.h"
#include "app/default_script.h"
#include "app/server.h"

namespace {

std::shared_ptr<spdlog::logger> make_logger(const std::string& level) {
    auto logger = spdlog::stdout_color_mt("tandem");
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
    logger->set_level(spdlog::level::from_str(level));
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
    return logger;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace tandem;
    auto parsed = app::parse_command_line(argc, argv);
    if (const int* exit_code = std::get_if<int>(&parsed)) return *exit_code;
    const app::CommandLine& line = std::get<app::CommandLine>(parsed);

    try {
        auto logger = make_logger(line.log_level);
        const script::ScriptSource source =
            line.config ? script::ScriptSource::file(*line.config)
                        : script::ScriptSource::text(std::string(app::kDefaultScriptName),
                                                     std::string(app::default_script_text()));
        if (line.check) {
            const std::vector<std::string> problems = app::check_script(source, logger);
            for (const std::string& problem : problems)
                std::fprintf(stderr, "%s\n", problem.c_str());
            if (!problems.empty()) return 1;
            std::printf("%s: OK\n", source.name.c_str());
            return 0;
        }

        logger->info("tandem 0.1.0 starting with {}", source.name);
        auto server = app::Server::open(source, line.workers, logger);
        if (!server) {
            logger->critical("cannot start: {}", server.error().reason);
            return 1;
        }
        return (*server)->run();
    } catch (const std::exception& error) {
        // Only start-up throws (asio, spdlog); the message path never does.
        std::fprintf(stderr, "tandem: %s\n", error.what());
        return 1;
    }
}
