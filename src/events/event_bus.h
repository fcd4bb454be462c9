// The event bus: modules declare the events they raise (E_DLG_STATE_CHANGED,
// E_CALL_TRANSFER ...), raise them with named string parameters, and
// external subscribers registered over MI (event_subscribe) receive each one
// as a JSON-RPC 2.0 notification {"method": name, "params": {...}} by UDP
// datagram or HTTP POST.
//
// Raising never waits on a subscriber: an event is copied into a bounded
// queue that one delivery thread empties. When the queue is full the event is
// dropped and counted, so a slow or dead subscriber costs deliveries, never
// call processing. Every method is thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "base/result.h"

namespace tandem::events {

using EventParams = std::vector<std::pair<std::string, std::string>>;

struct Event {
    std::string name;
    EventParams params;
};

// The JSON-RPC 2.0 notification a subscriber receives for `event`.
std::string notification_text(const Event& event);

// Where a subscriber receives events.
struct SubscriberAddress {
    enum class Kind : std::uint8_t { Udp, Http };
    Kind kind = Kind::Udp;
    std::string host;  // an IPv4 or IPv6 literal
    std::uint16_t port = 0;
    std::string path;  // HTTP only, starts with '/'

    // As event_subscribe takes it: "udp:HOST:PORT" or "http://HOST:PORT/path".
    std::string to_string() const;
    friend bool operator==(const SubscriberAddress&, const SubscriberAddress&) = default;
};

// Parses "udp:127.0.0.1:9000" or "http://127.0.0.1:9000/events" (IPv6 in
// brackets). Host names are refused: resolving one would block.
Result<SubscriberAddress> parse_subscriber_address(std::string_view text);

struct Subscription {
    std::string event;
    SubscriberAddress address;
    // When the subscription lapses; time_point::max() for never.
    std::chrono::steady_clock::time_point expires;
};

struct BusLimits {
    std::size_t queue_capacity = 1024;             // notifications waiting for delivery
    std::size_t max_subscriptions = 256;           // over every event
    std::chrono::milliseconds http_timeout{1000};  // connect, and then read/write
};

struct BusStats {
    std::uint64_t raised = 0;     // events raised with at least one subscriber
    std::uint64_t delivered = 0;  // notifications sent
    std::uint64_t dropped = 0;    // notifications lost because the queue was full
    std::uint64_t failed = 0;     // sends that failed (refused, timed out)
    std::uint64_t queued = 0;     // waiting now (a gauge)
};

class EventBus {
  public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;
    // How a notification goes out; the default sends for real. Tests pass
    // their own.
    using Sender = std::function<Status(const SubscriberAddress&, const std::string& text)>;

    explicit EventBus(BusLimits limits = {}, Sender sender = {},
                      Clock clock = &std::chrono::steady_clock::now);
    ~EventBus();
    EventBus(const EventBus&) = delete;
    EventBus& operator=(const EventBus&) = delete;

    // Declares an event and its parameter names (events_list shows them).
    // Declaring the same name again replaces the parameter list.
    void declare(std::string name, std::vector<std::string> params);
    bool is_declared(std::string_view name) const;
    // Declared events, sorted by name, with their parameter names.
    std::vector<std::pair<std::string, std::vector<std::string>>> declared() const;

    // Adds or renews (same event and address) a subscription; `expire` zero
    // removes it, nullopt keeps it until removed. Fails for an undeclared
    // event or when there are max_subscriptions already.
    Status subscribe(std::string_view event, const SubscriberAddress& address,
                     std::optional<std::chrono::seconds> expire);
    // Live subscriptions (expired ones are removed first).
    std::vector<Subscription> subscriptions();

    // Cheap check before building an event's parameters: someone listens.
    bool has_subscribers(std::string_view event) const;
    // Queues one notification per live subscriber of the event; never blocks
    // on delivery.
    void raise(const Event& event);

    BusStats stats() const;
    void reset_stats();

    // Starts the delivery thread; stop() (or the destructor) ends it once
    // the send in progress is over, dropping what is still queued.
    void start();
    void stop();

  private:
    struct Delivery {
        SubscriberAddress address;
        std::string text;
    };
    void deliver_loop();
    void drop_expired_locked(std::chrono::steady_clock::time_point now);

    BusLimits limits_;
    Sender sender_;
    Clock clock_;

    mutable std::mutex mutex_;
    std::vector<std::pair<std::string, std::vector<std::string>>> declared_;
    std::vector<Subscription> subscriptions_;
    std::atomic<std::size_t> subscription_count_{0};
    std::deque<Delivery> queue_;
    std::condition_variable wake_;
    bool stopping_ = false;
    BusStats stats_;
    std::thread thread_;
};

// The default sender: a UDP datagram (non-blocking) or an HTTP POST with
// Content-Type application/json within `timeout`.
Status send_notification(const SubscriberAddress& address, const std::string& text,
                         std::chrono::milliseconds timeout);

}  // namespace tandem::events
