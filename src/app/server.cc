#include "app/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <atomic>
#include <csignal>
#include <thread>

#include "app/listeners.h"
#include "callops/callops_module.h"
#include "callops/mi_commands.h"
#include "dialog/events.h"
#include "mi/core_commands.h"
#include "mi/event_commands.h"
#include "mi/mi_module.h"
#include "proxy/call_id.h"
#include "proxy/proxy_module.h"
#include "script/module.h"

namespace tandem::app {
namespace {

constexpr const char* kHostsFile = "/etc/hosts";
constexpr const char* kVersion = "tandem 0.1.0";

// The hosts file, or an empty table (with a warning) when it cannot be read:
// IP literals still work.
proxy::HostsTable load_hosts(spdlog::logger& logger) {
    auto hosts = proxy::HostsTable::load(kHostsFile);
    if (!hosts) {
        logger.warn("{}; only IP addresses resolve", hosts.error().reason);
        return {};
    }
    return std::move(*hosts);
}

// A registry of every module, bound to no proxy: enough to load or check a
// script's top level.
Result<script::ModuleRegistry> settings_registry() {
    script::ModuleRegistry registry;
    if (auto added = proxy::add_proxy_modules(registry, nullptr); !added) return added.error();
    if (auto added = registry.add(callops::callops_script_module(nullptr)); !added) {
        return added.error();
    }
    if (auto added = registry.add(mi::mi_script_module()); !added) return added.error();
    return registry;
}

}  // namespace

Result<StartupPlan> plan_startup(const script::ScriptSource& source,
                                 std::shared_ptr<spdlog::logger> logger) {
    auto registry = settings_registry();
    if (!registry) return registry.error();
    script::LocalCache cache;
    script::EngineEnvironment env;
    env.modules = &*registry;
    env.cache = &cache;
    env.logger = logger;
    auto engine = script::ScriptEngine::load(source, env);
    if (!engine) return engine.error();
    StartupPlan plan;
    plan.config = engine->config();
    const proxy::Resolver resolver(load_hosts(*logger));
    auto listeners = listener_endpoints(plan.config.listens, resolver, interface_addresses());
    if (!listeners) return listeners.error();
    plan.listeners = std::move(*listeners);
    return plan;
}

std::vector<std::string> check_script(const script::ScriptSource& source,
                                      std::shared_ptr<spdlog::logger> logger) {
    std::vector<std::string> problems;
    auto registry = settings_registry();
    if (!registry) {
        problems.push_back(registry.error().reason);
        return problems;
    }
    script::LocalCache cache;
    script::EngineEnvironment env;
    env.modules = &*registry;
    env.cache = &cache;
    env.logger = logger;
    for (const script::Diagnostic& diagnostic : script::ScriptEngine::check(source, env)) {
        problems.push_back(diagnostic.to_string());
    }
    if (!problems.empty()) return problems;
    // The script loads: now what only the server knows (transports, hosts).
    auto plan = plan_startup(source, logger);
    if (!plan) problems.push_back(source.name + ": " + plan.error().reason);
    return problems;
}

Server::Server(Key, std::shared_ptr<spdlog::logger> logger) : logger_(std::move(logger)) {}

Result<std::unique_ptr<Server>> Server::open(script::ScriptSource source, unsigned workers,
                                             std::shared_ptr<spdlog::logger> logger) {
    auto plan = plan_startup(source, logger);
    if (!plan) return plan.error();
    if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());

    auto server = std::make_unique<Server>(Key{}, logger);
    const proxy::ProxyOptions options = proxy::proxy_options(plan->config);
    const callops::Settings callops_settings = callops::callops_settings(plan->config, workers);
    const proxy::HostsTable hosts = load_hosts(*logger);
    std::vector<transport::Endpoint> listeners = plan->listeners;
    for (unsigned index = 0; index < workers; ++index) {
        WorkerSettings settings;
        settings.index = index;
        settings.count = workers;
        settings.listeners = listeners;
        settings.proxy = options;
        settings.hosts = hosts;
        settings.script = source;
        settings.cache = &server->cache_;
        settings.events = &server->events_;
        settings.callops = callops_settings;
        settings.logger = logger;
        auto worker = Worker::create(std::move(settings));
        if (!worker) {
            return make_error("worker " + std::to_string(index) + ": " + worker.error().reason,
                              worker.error().status);
        }
        if (index == 0) {
            // Ports given as 0 are chosen by the kernel for the first
            // worker; the others bind the same ones.
            const auto bound = (*worker)->listening();
            listeners.assign(bound.begin(), bound.end());
        }
        server->workers_.push_back(std::move(*worker));
    }
    for (const auto& worker : server->workers_)
        worker->set_siblings(server->workers_);
    if (auto started = server->start_management(plan->config); !started) return started.error();
    return server;
}

Status Server::start_management(const script::ScriptConfig& config) {
    events_.declare(std::string(dialog::kStateChangedEvent),
                    {"id", "db_id", "callid", "from_tag", "to_tag", "old_state", "new_state"});
    mi::CoreServices services;
    services.version = kVersion;
    services.started = started_;
    services.logger = logger_;
    services.cache = &cache_;
    services.statistics = [this] { return statistics(); };
    services.reset_statistics = [this](const std::vector<std::string>& selectors) {
        return reset_statistics(selectors);
    };
    services.reload_routes = [this] { return reload_routes(); };
    services.list_dialogs = [this](const std::optional<std::string>& callid) {
        return list_dialogs(callid);
    };
    services.end_dialog = [this](const mi::DialogSelector& which) { return end_dialog(which); };
    if (auto added = mi::add_core_commands(mi_registry_, std::move(services)); !added) return added;
    if (auto added = mi::add_event_commands(mi_registry_, events_); !added) return added;
    events_.declare(std::string(callops::kTransferEvent), callops::transfer_event_params());
    events_.declare(std::string(callops::kHoldEvent), callops::hold_event_params());
    callops::MiServices callops_services;
    callops_services.shard_count = workers_.size();
    callops_services.run_on =
        [this](std::size_t shard,
               std::function<Result<mi::Json>(callops::CallOps&)> work) -> Result<mi::Json> {
        if (shard >= workers_.size()) return make_error("Dialog not found", 404);
        return workers_[shard]->run_callops(std::move(work), kWorkerAnswerTimeout);
    };
    if (auto added = callops::add_mi_commands(mi_registry_, std::move(callops_services)); !added)
        return added;

    mi::HttpSettings http;
    if (auto token = config.string_param(mi::kScriptModuleName, "auth_token"))
        http.auth_token = std::string(*token);
    const bool explicit_address = !config.mi_listens.empty();
    if (explicit_address) {
        if (config.mi_listens.size() > 1)
            logger_->warn("only the first mi_listen is used ({})",
                          config.mi_listens.front().to_string());
        http.host = config.mi_listens.front().host;
        http.port = config.mi_listens.front().port;
    }
    auto listener = mi::HttpServer::start(
        http, mi_registry_,
        [this]() -> Result<std::string> {
            auto all = statistics();
            if (!all) return all.error();
            return mi::prometheus_text(*all);
        },
        logger_);
    if (!listener) {
        // Only an address the script asked for is worth refusing to start:
        // a second server on one host would otherwise never run.
        if (explicit_address) return listener.error();
        logger_->warn("{}; running without the management interface", listener.error().reason);
        return {};
    }
    mi_server_ = std::move(*listener);
    return {};
}

Result<mi::Statistics> Server::statistics() {
    mi::Statistics total;
    for (const auto& worker : workers_) {
        auto own = worker->statistics(kWorkerAnswerTimeout);
        if (!own) return own.error();
        if (total.empty()) {
            total = std::move(*own);
            continue;
        }
        // Every worker lists the same statistics in the same order.
        for (std::size_t i = 0; i < total.size() && i < own->size(); ++i)
            total[i].value += (*own)[i].value;
    }
    const events::BusStats bus = events_.stats();
    total.push_back({"events", "raised", bus.raised});
    total.push_back({"events", "delivered", bus.delivered});
    total.push_back({"events", "dropped", bus.dropped});
    total.push_back({"events", "failed", bus.failed});
    total.push_back({"events", "queued", bus.queued, true});
    return total;
}

Status Server::reset_statistics(const std::vector<std::string>& selectors) {
    for (const auto& worker : workers_) {
        if (auto reset = worker->reset_statistics(selectors, kWorkerAnswerTimeout); !reset)
            return reset;
    }
    // The bus's counters reset together, when any of them is selected.
    const bool events_selected =
        selectors.empty() ||
        std::any_of(selectors.begin(), selectors.end(), [](const std::string& selector) {
            return selector == "all" || selector.starts_with("events:") || selector == "raised" ||
                   selector == "delivered" || selector == "dropped" || selector == "failed";
        });
    if (events_selected) events_.reset_stats();
    return {};
}

Status Server::reload_routes() {
    for (std::size_t index = 0; index < workers_.size(); ++index) {
        if (auto reloaded = workers_[index]->reload_now(kWorkerAnswerTimeout); !reloaded) {
            return make_error("worker " + std::to_string(index) + ": " + reloaded.error().reason,
                              reloaded.error().status == 504 ? 504 : 500);
        }
    }
    return {};
}

Result<mi::Json> Server::list_dialogs(const std::optional<std::string>& callid) {
    mi::Json dialogs = mi::Json::array();
    for (const auto& worker : workers_) {
        auto own = worker->list_dialogs(callid, kWorkerAnswerTimeout);
        if (!own) return own.error();
        for (mi::Json& entry : *own)
            dialogs.push_back(std::move(entry));
    }
    return mi::Json{{"Dialogs", std::move(dialogs)}};
}

Status Server::end_dialog(const mi::DialogSelector& which) {
    // The owner: the shard in the id's top bits, or the Call-ID's shard.
    const std::size_t owner = which.id ? dialog::shard_of(*which.id)
                                       : proxy::shard_of_call_id(*which.callid, workers_.size());
    if (owner >= workers_.size()) return make_error("no dialog with that id", 404);
    return workers_[owner]->end_dialog(which, kWorkerAnswerTimeout);
}

std::vector<transport::Endpoint> Server::listening() const {
    const auto bound = workers_.front()->listening();
    return {bound.begin(), bound.end()};
}

int Server::run() {
    asio::io_context main_loop;
    asio::signal_set signals(main_loop, SIGINT, SIGTERM, SIGHUP);
    std::atomic<std::size_t> running{workers_.size()};
    bool draining = false;

    std::function<void()> wait_for_signal = [&] {
        signals.async_wait([&](const std::error_code& error, int signal) {
            if (error) return;
            if (signal == SIGHUP) {
                logger_->info("SIGHUP: reloading the routing script");
                for (const auto& worker : workers_)
                    worker->reload();
            } else if (!draining) {
                draining = true;
                logger_->info(
                    "{}: shutting down (no new calls; up to {} ms for calls being set up)",
                    signal == SIGINT ? "SIGINT" : "SIGTERM", kDrainGrace.count());
                for (const auto& worker : workers_)
                    worker->drain(kDrainGrace);
            } else {
                logger_->info("second stop signal: stopping now");
                for (const auto& worker : workers_)
                    worker->stop();
            }
            wait_for_signal();
        });
    };
    wait_for_signal();

    events_.start();
    for (const auto& worker : workers_) {
        worker->start([&] {
            if (running.fetch_sub(1) == 1) asio::post(main_loop, [&] { main_loop.stop(); });
        });
    }
    for (const transport::Endpoint& endpoint : listening()) {
        logger_->info("listening on {}", endpoint.to_string());
    }
    logger_->info("tandem running with {} worker(s)", workers_.size());

    main_loop.run();
    // MI commands wait on the workers: stop taking them first.
    if (mi_server_) mi_server_->stop();
    for (const auto& worker : workers_)
        worker->join();
    events_.stop();
    logger_->info("stopped");
    return 0;
}

}  // namespace tandem::app
