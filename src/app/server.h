// The whole server: reads the script's settings, opens the listeners on
// every worker, runs the workers, and turns signals into actions (SIGHUP:
// reload the script everywhere; SIGTERM/SIGINT: drain and stop).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "app/worker.h"
#include "base/result.h"
#include "events/event_bus.h"
#include "mi/http_server.h"
#include "mi/registry.h"
#include "mi/statistics.h"
#include "script/config.h"
#include "script/engine.h"
#include "script/local_cache.h"

namespace spdlog {
class logger;
}

namespace tandem::app {

// How long a shutdown waits for requests in flight to get their answers.
inline constexpr std::chrono::milliseconds kDrainGrace{3000};
// How long an MI command waits for a worker to answer.
inline constexpr std::chrono::milliseconds kWorkerAnswerTimeout{2000};

// What the script's top level declares and the server starts from.
struct StartupPlan {
    script::ScriptConfig config;
    std::vector<transport::Endpoint> listeners;
};

// Loads the script once, without a running proxy, to read its settings and
// work out the listeners.
Result<StartupPlan> plan_startup(const script::ScriptSource& source,
                                 std::shared_ptr<spdlog::logger> logger);

// For --check: every problem with the script, one "file:line: message"
// each (listeners Tandem cannot open included); empty when it is good.
std::vector<std::string> check_script(const script::ScriptSource& source,
                                      std::shared_ptr<spdlog::logger> logger);

class Server {
  public:
    // Builds `workers` workers (one per core when 0) and opens their
    // listeners.
    static Result<std::unique_ptr<Server>> open(script::ScriptSource source, unsigned workers,
                                                std::shared_ptr<spdlog::logger> logger);

    // Runs until SIGTERM or SIGINT has drained the workers (a second signal
    // stops them at once). Returns the process exit code.
    int run();

    // Where the server listens (the first worker's sockets; the others bind
    // the same addresses).
    std::vector<transport::Endpoint> listening() const;
    // The MI listener's port; 0 when it is not listening.
    std::uint16_t mi_port() const { return mi_server_ ? mi_server_->port() : 0; }

    struct Key {
      private:
        friend class Server;
        Key() = default;
    };
    Server(Key, std::shared_ptr<spdlog::logger> logger);

  private:
    // Adds the MI commands and starts the listener the script asks for.
    Status start_management(const script::ScriptConfig& config);
    // Every worker's statistics summed, with the event bus's.
    Result<mi::Statistics> statistics();
    Status reset_statistics(const std::vector<std::string>& selectors);
    Status reload_routes();
    Result<mi::Json> list_dialogs(const std::optional<std::string>& callid);
    Status end_dialog(const mi::DialogSelector& which);

    std::shared_ptr<spdlog::logger> logger_;
    std::chrono::system_clock::time_point started_ = std::chrono::system_clock::now();
    script::LocalCache cache_;
    events::EventBus events_;
    std::vector<std::unique_ptr<Worker>> workers_;
    mi::Registry mi_registry_;
    // Declared last: it stops first, while what its commands use still exists.
    std::unique_ptr<mi::HttpServer> mi_server_;
};

}  // namespace tandem::app
