#include "app/server.h"

#include <spdlog/spdlog.h>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <atomic>
#include <csignal>
#include <thread>

#include "app/listeners.h"
#include "proxy/proxy_module.h"
#include "script/module.h"

namespace tandem::app {
namespace {

constexpr const char* kHostsFile = "/etc/hosts";

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
    for (const script::SocketAddress& address : plan->config.mi_listens) {
        logger->warn("mi_listen {}: the management interface is not part of this build; ignored",
                     address.to_string());
    }
    if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());

    auto server = std::make_unique<Server>(Key{}, logger);
    const proxy::ProxyOptions options = proxy::proxy_options(plan->config);
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
    return server;
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
    for (const auto& worker : workers_)
        worker->join();
    logger_->info("stopped");
    return 0;
}

}  // namespace tandem::app
