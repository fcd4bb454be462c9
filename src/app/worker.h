// One worker thread: its own event loop, sockets, timer wheel, transaction
// layer, dialogs (its shard of the calls) and Lua state. A message whose
// Call-ID belongs to another worker's shard is copied and posted to that
// worker; a send over a TCP connection another worker owns is posted to
// that worker too. Nothing of a worker is touched by another thread except
// through post().
#pragma once

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "base/result.h"
#include "callops/call_ops.h"
#include "events/event_bus.h"
#include "mi/core_commands.h"
#include "mi/statistics.h"
#include "proxy/admission.h"
#include "proxy/proxy.h"
#include "proxy/resolver.h"
#include "script/engine.h"
#include "script/local_cache.h"
#include "script/module.h"
#include "script/script_host.h"
#include "transport/socket_transport.h"
#include "txn/clock.h"
#include "txn/timer_wheel.h"

namespace spdlog {
class logger;
}

namespace tandem::app {

struct WorkerSettings {
    std::size_t index = 0;
    std::size_t count = 1;
    std::vector<transport::Endpoint> listeners;
    proxy::ProxyOptions proxy;
    proxy::HostsTable hosts;
    script::ScriptSource script;
    script::LocalCache* cache = nullptr;  // shared by every worker; outlives them
    events::EventBus* events = nullptr;   // shared by every worker; outlives them
    callops::Settings callops;
    std::shared_ptr<spdlog::logger> logger;
};

class Worker final : public transport::TransportHandler, public transport::Transport {
  public:
    // Opens the worker's sockets (SO_REUSEPORT when there are several
    // workers), builds its proxy and loads its copy of the script. Nothing
    // runs until start().
    static Result<std::unique_ptr<Worker>> create(WorkerSettings settings);
    ~Worker() override;

    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Every worker, this one included, indexed by worker number; must be set
    // before start() and outlive the threads.
    void set_siblings(std::span<const std::unique_ptr<Worker>> siblings) { siblings_ = siblings; }

    // Runs the event loop on a new thread; `on_stopped` runs on that thread
    // when the loop has ended.
    void start(std::function<void()> on_stopped);
    void join();

    // ---- from any thread (posted to the worker) ---------------------------
    // Loads the script file again (SIGHUP) between two messages.
    void reload();
    // Stops taking new calls, waits until every request in flight has its
    // final answer or `grace` has passed, logs what is dropped, and ends the
    // loop.
    void drain(std::chrono::milliseconds grace);
    // Ends the loop now.
    void stop();

    std::span<const transport::Endpoint> listening() const { return socket_->local_endpoints(); }

    // ---- management (MI thread; run on the worker, waited for) -----------
    // Each posts its work to the worker's loop and waits up to `timeout` for
    // the answer; a worker that does not answer in time (stopped, stuck)
    // makes it fail with 504.
    Result<mi::Statistics> statistics(std::chrono::milliseconds timeout);
    // The counters `selectors` pick (all when empty) start again from zero;
    // gauges stay.
    Status reset_statistics(const std::vector<std::string>& selectors,
                            std::chrono::milliseconds timeout);
    Status reload_now(std::chrono::milliseconds timeout);
    // This worker's dialogs, all or those of one Call-ID, as dlg_list shows them.
    Result<mi::Json> list_dialogs(std::optional<std::string> callid,
                                  std::chrono::milliseconds timeout);
    // Ends the dialog with a BYE to each leg; 404 when this worker has no such
    // dialog.
    Status end_dialog(mi::DialogSelector which, std::chrono::milliseconds timeout);
    // Runs call-control work (MI call_transfer, call_hold ...) on this
    // worker's CallOps.
    Result<mi::Json> run_callops(std::function<Result<mi::Json>(callops::CallOps&)> work,
                                 std::chrono::milliseconds timeout);

    // ---- transport::TransportHandler (the worker's sockets) ---------------
    void on_message(const transport::ReceivedMessage& message) override;
    void on_send_failed(const transport::SendFailure& failure) override;
    void on_connection_closed(const transport::ConnectionClosed& closed) override;

    // ---- transport::Transport (what the proxy sends through) --------------
    Status send(const transport::Endpoint& destination, std::string_view bytes,
                const transport::SendOptions& options) override;
    std::span<const transport::Endpoint> local_endpoints() const override {
        return socket_->local_endpoints();
    }

    // Only create() makes workers (the key keeps others out); public for
    // std::make_unique.
    class CreateKey {
        friend class Worker;
        CreateKey() = default;
    };
    Worker(CreateKey, WorkerSettings settings);

  private:
    // Transactions plus dialogs: a burst smaller than this leaves too little
    // memory behind to be worth a trim.
    static constexpr std::size_t kBurstWorthTrimming = 20000;

    // Runs `task` on the worker's thread; its result, or 504 after `timeout`.
    // The promise is shared so that a task running after the wait gave up
    // still has somewhere to put its result.
    template <typename T>
    Result<T> run_on_loop(std::function<Result<T>()> task, std::chrono::milliseconds timeout) {
        auto promise = std::make_shared<std::promise<Result<T>>>();
        std::future<Result<T>> answer = promise->get_future();
        asio::post(io_, [promise, task = std::move(task)] { promise->set_value(task()); });
        if (answer.wait_for(timeout) != std::future_status::ready) {
            return make_error("worker " + std::to_string(settings_.index) + " did not answer in " +
                                  std::to_string(timeout.count()) + " ms",
                              504);
        }
        return answer.get();
    }
    // The counters as they are, before the reset baseline is taken off.
    mi::Statistics raw_statistics() const;
    // Hands a message of this worker's shard to the transaction layer.
    void deliver(const transport::ReceivedMessage& message);
    void log_bad_message(const transport::ReceivedMessage& message);
    // Points the event loop's timer at the wheel's next due time.
    void arm_timer();
    void check_drain(std::chrono::steady_clock::time_point deadline);
    // Every few seconds: hands the memory of a drained burst back to the
    // system (see proxy::BurstTracker).
    void watch_memory();
    // Hands call-control events to the event bus and the script's event routes.
    void wire_callops(events::EventBus* bus);

    WorkerSettings settings_;
    asio::io_context io_{1};
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> keep_running_;
    txn::SteadyClock clock_;
    txn::TimerWheel wheel_{clock_};
    asio::steady_timer timer_{io_};
    bool timer_armed_ = false;
    txn::TimePoint timer_due_{};
    asio::steady_timer drain_timer_{io_};
    asio::steady_timer memory_timer_{io_};
    proxy::BurstTracker burst_{kBurstWorthTrimming};
    std::optional<transport::SocketTransport> socket_;
    std::unique_ptr<proxy::Proxy> proxy_;
    // After the proxy: gone before it (it unhooks itself from the proxy).
    std::unique_ptr<callops::CallOps> callops_;
    script::ModuleRegistry registry_;
    std::optional<script::ScriptHost> script_;
    std::span<const std::unique_ptr<Worker>> siblings_;
    // Counter values at the last reset_statistics, by "group:name".
    std::map<std::string, std::uint64_t, std::less<>> statistics_baseline_;
    std::thread thread_;
};

}  // namespace tandem::app
