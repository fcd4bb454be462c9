#include "app/worker.h"

#include <malloc.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <asio/post.hpp>
#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>

#include "callops/callops_module.h"
#include "dialog/events.h"
#include "dialog/types.h"
#include "mi/mi_module.h"
#include "proxy/call_id.h"
#include "proxy/proxy_module.h"
#include "sip/message.h"
#include "sip/validate.h"

namespace tandem::app {
namespace {

// A received message copied for the worker that owns its call.
struct HandOff {
    std::string bytes;
    transport::Endpoint source;
    transport::Endpoint local;
    transport::ConnectionId connection;
};

constexpr std::string_view kDialogStateEvent = "E_DLG_STATE_CHANGED";

// The process's resident memory, for the log; 0 when unknown.
std::size_t resident_megabytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t pages = 0;
    std::size_t resident = 0;
    if (!(statm >> pages >> resident)) return 0;
    return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)) >> 20;
}

// The event's parameters with OpenSIPS's names and types.
script::EventParams dialog_event_params(dialog::StateChangedEvent event) {
    script::EventParams params;
    params.reserve(7);
    params.push_back({"id", std::move(event.id)});
    params.push_back({"db_id", static_cast<std::int64_t>(event.db_id)});
    params.push_back({"callid", std::move(event.callid)});
    params.push_back({"from_tag", std::move(event.from_tag)});
    params.push_back({"to_tag", std::move(event.to_tag)});
    params.push_back({"old_state", std::int64_t{event.old_state}});
    params.push_back({"new_state", std::int64_t{event.new_state}});
    return params;
}

// The same parameters as text, for external subscribers.
events::Event dialog_bus_event(const script::EventParams& params) {
    events::Event event;
    event.name = std::string(kDialogStateEvent);
    event.params.reserve(params.size());
    for (const auto& param : params) {
        std::string text;
        if (const auto* number = std::get_if<std::int64_t>(&param.value)) {
            text = std::to_string(*number);
        } else if (const auto* string = std::get_if<std::string>(&param.value)) {
            text = *string;
        }
        event.params.emplace_back(param.name, std::move(text));
    }
    return event;
}

}  // namespace

Worker::Worker(CreateKey, WorkerSettings settings) : settings_(std::move(settings)) {
    keep_running_.emplace(io_.get_executor());
}

Worker::~Worker() {
    if (thread_.joinable()) thread_.join();
}

Result<std::unique_ptr<Worker>> Worker::create(WorkerSettings settings) {
    auto worker = std::make_unique<Worker>(CreateKey{}, std::move(settings));
    const WorkerSettings& s = worker->settings_;

    transport::TransportConfig config;
    config.listeners = s.listeners;
    config.worker = static_cast<std::uint16_t>(s.index);
    config.reuse_port = s.count > 1;
    auto socket = transport::SocketTransport::open(worker->io_, *worker, config);
    if (!socket) return socket.error();
    worker->socket_.emplace(std::move(*socket));

    proxy::ProxyOptions options = s.proxy;
    options.shard = static_cast<std::uint16_t>(s.index);
    options.transactions.max_transactions =
        proxy::worker_share(options.transactions.max_transactions, s.count);
    options.max_dialogs = proxy::worker_share(options.max_dialogs, s.count);
    options.max_unreplied_invites = proxy::worker_share(options.max_unreplied_invites, s.count);
    const std::span<const transport::Endpoint> bound = worker->socket_->local_endpoints();
    worker->proxy_ = std::make_unique<proxy::Proxy>(
        *worker, worker->wheel_,
        proxy::LocalAddresses(std::vector<transport::Endpoint>(bound.begin(), bound.end())),
        proxy::Resolver(s.hosts), options, s.logger);

    if (auto added = proxy::add_proxy_modules(worker->registry_, worker->proxy_.get()); !added) {
        return added.error();
    }
    worker->callops_ =
        std::make_unique<callops::CallOps>(*worker->proxy_, worker->wheel_, s.callops, s.logger);
    worker->wire_callops(s.events);
    if (auto added = worker->registry_.add(callops::callops_script_module(worker->callops_.get()));
        !added) {
        return added.error();
    }
    if (auto added = worker->registry_.add(mi::mi_script_module()); !added) return added.error();
    script::EngineEnvironment env;
    env.modules = &worker->registry_;
    env.cache = s.cache;
    env.logger = s.logger;
    auto host = script::ScriptHost::start(s.script, env);
    if (!host) return host.error();
    worker->script_.emplace(std::move(*host));
    worker->proxy_->attach_script(*worker->script_);
    // Dialog state changes go to the script's event_route("E_DLG_STATE_CHANGED")
    // when it has one, and to the event bus when someone subscribed. The
    // route runs after the message being processed, never nested inside the
    // route whose t_relay() or BYE caused the change; the bus only queues.
    std::shared_ptr<spdlog::logger> logger = s.logger;
    Worker* self = worker.get();
    events::EventBus* bus = s.events;
    worker->proxy_->set_dialog_event_sink(
        [self, logger, bus](const dialog::Dialog& dialog, const dialog::StateChange& change) {
            const bool wanted = self->script_->engine().has_event_route(kDialogStateEvent);
            const bool subscribed = bus != nullptr && bus->has_subscribers(kDialogStateEvent);
            if (!wanted && !subscribed && !logger->should_log(spdlog::level::debug)) return;
            dialog::StateChangedEvent event = dialog::make_state_changed_event(dialog, change);
            logger->debug("dialog {} ({}): state {} -> {}", event.id, event.callid, event.old_state,
                          event.new_state);
            if (!wanted && !subscribed) return;
            script::EventParams params = dialog_event_params(std::move(event));
            if (subscribed) bus->raise(dialog_bus_event(params));
            if (!wanted) return;
            asio::post(self->io_, [self, params = std::move(params)] {
                (void)self->script_->engine().run_event_route(kDialogStateEvent, params);
            });
        });
    return worker;
}

void Worker::wire_callops(events::EventBus* bus) {
    // Like dialog events: the bus only queues; the script's event route runs
    // after the current message, never nested in the route that caused it.
    callops_->set_event_sink([this, bus](events::Event event) {
        const bool wanted = script_ && script_->engine().has_event_route(event.name);
        if (bus != nullptr && bus->has_subscribers(event.name)) bus->raise(event);
        if (!wanted) return;
        script::EventParams params;
        params.reserve(event.params.size());
        for (auto& [name, value] : event.params)
            params.push_back({std::move(name), std::move(value)});
        asio::post(io_, [this, name = std::move(event.name), params = std::move(params)] {
            (void)script_->engine().run_event_route(name, params);
        });
    });
    // A transfer's new call and the transferred call may belong to two
    // workers: the work goes to the owner's loop.
    callops_->set_dispatcher(
        [this](std::size_t shard, std::function<void(callops::CallOps&)> work) {
            if (shard >= siblings_.size() || shard == settings_.index) {
                work(*callops_);
                return;
            }
            Worker& target = *siblings_[shard];
            asio::post(target.io_, [&target, work = std::move(work)] {
                work(*target.callops_);
                target.arm_timer();
            });
        });
}

void Worker::start(std::function<void()> on_stopped) {
    watch_memory();
    thread_ = std::thread([this, on_stopped = std::move(on_stopped)] {
        io_.run();
        on_stopped();
    });
}

void Worker::join() {
    if (thread_.joinable()) thread_.join();
}

// ---------------------------------------------------------------------------
// Receive path

void Worker::on_message(const transport::ReceivedMessage& message) {
    const std::size_t owner =
        proxy::shard_of_message(message.bytes, settings_.count, settings_.index);
    if (owner == settings_.index || owner >= siblings_.size()) {
        deliver(message);
        return;
    }
    Worker& target = *siblings_[owner];
    asio::post(target.io_, [&target, handoff = HandOff{std::string(message.bytes), message.source,
                                                       message.local, message.connection}] {
        transport::ReceivedMessage received;
        received.bytes = handoff.bytes;
        received.source = handoff.source;
        received.local = handoff.local;
        received.connection = handoff.connection;
        target.deliver(received);
    });
}

void Worker::deliver(const transport::ReceivedMessage& message) {
    const txn::TransactionStats& stats = proxy_->transactions().stats();
    const std::uint64_t rejected_before = stats.bad_requests_answered + stats.messages_dropped;
    proxy_->transport_handler().on_message(message);
    if (stats.bad_requests_answered + stats.messages_dropped != rejected_before) {
        log_bad_message(message);
    }
    arm_timer();
}

void Worker::log_bad_message(const transport::ReceivedMessage& message) {
    // Rare: parse again to say why. Messages that parse and validate were
    // dropped for a reason of state (an ACK matching nothing), not shape.
    if (!settings_.logger->should_log(spdlog::level::info)) return;
    auto parsed = sip::Message::parse(message.bytes);
    if (!parsed) {
        settings_.logger->info("bad message from {}: {}", message.source.to_string(),
                               parsed.error().reason);
        return;
    }
    sip::ValidationOptions options;
    options.stream = message.source.protocol == transport::Protocol::tcp;
    if (auto valid = sip::validate(*parsed, options); !valid) {
        settings_.logger->info("bad message from {}: {}", message.source.to_string(),
                               valid.error().reason);
    }
}

void Worker::on_send_failed(const transport::SendFailure& failure) {
    if (failure.tag == 0) {
        // A send handed over from another worker: that worker's transaction
        // finds out by its timers.
        settings_.logger->debug("send to {} failed: {}", failure.destination.to_string(),
                                failure.error.reason);
        return;
    }
    proxy_->transport_handler().on_send_failed(failure);
    arm_timer();
}

void Worker::on_connection_closed(const transport::ConnectionClosed& closed) {
    proxy_->transport_handler().on_connection_closed(closed);
    arm_timer();
    // Other workers may have transactions on the connection as well.
    for (std::size_t i = 0; i < siblings_.size(); ++i) {
        if (i == settings_.index) continue;
        Worker& other = *siblings_[i];
        asio::post(other.io_, [&other, closed] {
            other.proxy_->transport_handler().on_connection_closed(closed);
            other.arm_timer();
        });
    }
}

// ---------------------------------------------------------------------------
// Send path

Status Worker::send(const transport::Endpoint& destination, std::string_view bytes,
                    const transport::SendOptions& options) {
    const std::size_t owner = options.connection.worker();
    if (options.connection && owner != settings_.index && owner < siblings_.size()) {
        // The connection belongs to another worker: only it may write there.
        Worker& target = *siblings_[owner];
        transport::SendOptions forwarded = options;
        forwarded.tag = 0;
        asio::post(target.io_, [&target, destination, text = std::string(bytes), forwarded] {
            if (auto sent = target.socket_->send(destination, text, forwarded); !sent) {
                target.settings_.logger->debug("send to {} failed: {}", destination.to_string(),
                                               sent.error().reason);
            }
        });
        return {};
    }
    return socket_->send(destination, bytes, options);
}

// ---------------------------------------------------------------------------
// Timers, reload, shutdown

void Worker::arm_timer() {
    const auto due = wheel_.next_due();
    if (!due) return;  // an armed timer finds nothing to do and stops
    if (timer_armed_ && timer_due_ <= *due) return;
    timer_armed_ = true;
    timer_due_ = *due;
    timer_.expires_at(*due);
    timer_.async_wait([this](const std::error_code& error) {
        if (error) return;  // re-armed for an earlier time, or stopped
        timer_armed_ = false;
        wheel_.advance(clock_.now());
        arm_timer();
    });
}

void Worker::reload() {
    asio::post(io_, [this] {
        const bool first = settings_.index == 0;
        auto reloaded = script_->reload();
        if (!reloaded) {
            settings_.logger->log(first ? spdlog::level::err : spdlog::level::debug,
                                  "worker {}: {}", settings_.index, reloaded.error().reason);
            return;
        }
        settings_.logger->log(first ? spdlog::level::info : spdlog::level::debug,
                              "worker {}: reloaded {} (generation {})", settings_.index,
                              settings_.script.name, reloaded->generation);
        if (reloaded->settings_changed && first) {
            settings_.logger->warn(
                "the script's listen/mi_listen/modparam settings changed; they take effect at "
                "the next restart");
        }
    });
}

// ---------------------------------------------------------------------------
// Management

mi::Statistics Worker::raw_statistics() const {
    const txn::TransactionStats& tm = proxy_->transactions().stats();
    const proxy::ProxyStats& px = proxy_->stats();
    mi::Statistics all = {
        {"tm", "requests_received", tm.requests_received},
        {"tm", "responses_received", tm.responses_received},
        {"tm", "retransmissions_absorbed", tm.retransmissions_absorbed},
        {"tm", "acks_absorbed", tm.acks_absorbed},
        {"tm", "retransmissions_sent", tm.retransmissions_sent},
        {"tm", "bad_requests_answered", tm.bad_requests_answered},
        {"tm", "messages_dropped", tm.messages_dropped},
        {"tm", "stray_responses", tm.stray_responses},
        {"tm", "timeouts", tm.timeouts},
        {"tm", "transport_errors", tm.transport_errors},
        {"tm", "server_transactions", tm.server_transactions, true},
        {"tm", "client_transactions", tm.client_transactions, true},
        {"proxy", "requests_routed", px.requests_routed},
        {"proxy", "requests_relayed", px.requests_relayed},
        {"proxy", "acks_relayed", px.acks_relayed},
        {"proxy", "responses_relayed", px.responses_relayed},
        {"proxy", "local_replies", px.local_replies},
        {"proxy", "loops_detected", px.loops_detected},
        {"proxy", "too_many_hops", px.too_many_hops},
        {"proxy", "script_errors", px.script_errors},
        {"proxy", "cancels", px.cancels},
        {"proxy", "rejected_while_draining", px.rejected_while_draining},
        {"proxy", "generated_requests", px.generated_requests},
        {"proxy", "timer_c_expired", px.timer_c_expired},
        {"proxy", "overload_rejected", px.overload_rejected},
        {"proxy", "refusal_acks_absorbed", px.refusal_acks_absorbed},
        {"proxy", "unreplied_invites", proxy_->unreplied_invites(), true},
    };
    std::uint64_t early = 0;
    std::uint64_t confirmed = 0;
    std::uint64_t ended = 0;
    proxy_->dialogs().for_each([&](const dialog::Dialog& dialog) {
        if (dialog.is_ended()) {
            ++ended;
        } else if (dialog.is_confirmed()) {
            ++confirmed;
        } else {
            ++early;
        }
    });
    all.push_back({"dialog", "active_dialogs", early + confirmed, true});
    all.push_back({"dialog", "early_dialogs", early, true});
    all.push_back({"dialog", "confirmed_dialogs", confirmed, true});
    all.push_back({"dialog", "ended_dialogs_lingering", ended, true});
    return all;
}

Result<mi::Statistics> Worker::statistics(std::chrono::milliseconds timeout) {
    return run_on_loop<mi::Statistics>(
        [this]() -> Result<mi::Statistics> {
            mi::Statistics all = raw_statistics();
            for (mi::Statistic& statistic : all) {
                if (statistic.gauge) continue;
                const auto base = statistics_baseline_.find(statistic.group + ":" + statistic.name);
                if (base == statistics_baseline_.end()) continue;
                // A counter never goes down; guard anyway against a bad baseline.
                statistic.value =
                    statistic.value >= base->second ? statistic.value - base->second : 0;
            }
            return all;
        },
        timeout);
}

Status Worker::reset_statistics(const std::vector<std::string>& selectors,
                                std::chrono::milliseconds timeout) {
    auto done = run_on_loop<bool>(
        [this, selectors]() -> Result<bool> {
            for (const mi::Statistic& statistic : raw_statistics()) {
                if (statistic.gauge) continue;
                if (selectors.empty() || mi::selected(statistic, selectors))
                    statistics_baseline_[statistic.group + ":" + statistic.name] = statistic.value;
            }
            return true;
        },
        timeout);
    if (!done) return done.error();
    return {};
}

Status Worker::reload_now(std::chrono::milliseconds timeout) {
    auto done = run_on_loop<bool>(
        [this]() -> Result<bool> {
            auto reloaded = script_->reload();
            if (!reloaded) return reloaded.error();
            settings_.logger->log(settings_.index == 0 ? spdlog::level::info : spdlog::level::debug,
                                  "worker {}: reloaded {} (generation {}) from MI", settings_.index,
                                  settings_.script.name, reloaded->generation);
            if (reloaded->settings_changed && settings_.index == 0) {
                settings_.logger->warn(
                    "the script's listen/mi_listen/modparam settings changed; they take effect at "
                    "the next restart");
            }
            return true;
        },
        timeout);
    if (!done) return done.error();
    return {};
}

Result<mi::Json> Worker::list_dialogs(std::optional<std::string> callid,
                                      std::chrono::milliseconds timeout) {
    return run_on_loop<mi::Json>(
        [this, callid = std::move(callid)]() -> Result<mi::Json> {
            const auto steady_now = clock_.now();
            const auto wall_now = std::chrono::system_clock::now();
            mi::Json listed = mi::Json::array();
            proxy_->dialogs().for_each([&](const dialog::Dialog& dialog) {
                if (callid && dialog.call_id() != *callid) return;
                listed.push_back(mi::dialog_json(dialog, steady_now, wall_now));
            });
            return listed;
        },
        timeout);
}

Status Worker::end_dialog(mi::DialogSelector which, std::chrono::milliseconds timeout) {
    auto done = run_on_loop<bool>(
        [this, which = std::move(which)]() -> Result<bool> {
            dialog::DialogId id = 0;
            if (which.id) {
                id = *which.id;
                if (!proxy_->dialogs().find(id))
                    return make_error("no dialog " + dialog::dialog_id_text(id), 404);
            } else {
                const dialog::Dialog* found = proxy_->dialogs().find_by_call_id(*which.callid);
                if (!found)
                    return make_error("no dialog with Call-ID `" + *which.callid + "`", 404);
                id = found->id();
            }
            if (auto ended = proxy_->end_dialog(id); !ended) return ended.error();
            arm_timer();
            return true;
        },
        timeout);
    if (!done) return done.error();
    return {};
}

Result<mi::Json> Worker::run_callops(std::function<Result<mi::Json>(callops::CallOps&)> work,
                                     std::chrono::milliseconds timeout) {
    return run_on_loop<mi::Json>(
        [this, work = std::move(work)]() -> Result<mi::Json> {
            auto result = work(*callops_);
            arm_timer();
            return result;
        },
        timeout);
}

void Worker::drain(std::chrono::milliseconds grace) {
    asio::post(io_, [this, grace] {
        proxy_->stop_accepting();
        check_drain(std::chrono::steady_clock::now() + grace);
    });
}

void Worker::check_drain(std::chrono::steady_clock::time_point deadline) {
    const std::size_t pending = proxy_->unanswered_requests();
    if (pending == 0 || std::chrono::steady_clock::now() >= deadline) {
        if (pending > 0) {
            settings_.logger->warn("worker {}: {} request(s) without a final answer dropped",
                                   settings_.index, pending);
        }
        std::size_t live = 0;
        proxy_->dialogs().for_each([&live](const dialog::Dialog& dialog) {
            if (!dialog.is_ended()) ++live;
        });
        if (live > 0) {
            settings_.logger->info("worker {}: {} call(s) in progress left behind at shutdown",
                                   settings_.index, live);
        }
        keep_running_.reset();
        io_.stop();
        return;
    }
    drain_timer_.expires_after(std::chrono::milliseconds{50});
    drain_timer_.async_wait([this, deadline](const std::error_code& error) {
        if (!error) check_drain(deadline);
    });
}

void Worker::watch_memory() {
    memory_timer_.expires_after(std::chrono::seconds{5});
    memory_timer_.async_wait([this](const std::error_code& error) {
        if (error) return;
        const std::size_t held = proxy_->transactions_in_flight() + proxy_->dialogs().size();
        if (burst_.drained(held)) {
            // glibc: also gives back free pages inside the heaps, not only
            // their tops. Process-wide; the other workers' heaps too.
            const std::size_t before = resident_megabytes();
            const auto started = std::chrono::steady_clock::now();
            ::malloc_trim(0);
            const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - started);
            settings_.logger->info(
                "worker {}: burst drained ({} transactions and dialogs left); memory trimmed in "
                "{} ms, resident {} MB -> {} MB",
                settings_.index, held, took.count(), before, resident_megabytes());
        }
        watch_memory();
    });
}

void Worker::stop() {
    asio::post(io_, [this] {
        keep_running_.reset();
        io_.stop();
    });
}

}  // namespace tandem::app
