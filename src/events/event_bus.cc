#include "events/event_bus.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>

namespace tandem::events {
namespace {

// A socket closed when it goes out of scope.
class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

Result<std::uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value == 0 || value > 65535)
        return make_error("bad port \"" + std::string(text) + "\"");
    return static_cast<std::uint16_t>(value);
}

bool is_ip_literal(const std::string& host) {
    in6_addr v6{};
    in_addr v4{};
    return ::inet_pton(AF_INET, host.c_str(), &v4) == 1 ||
           ::inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

// "HOST:PORT" with an IPv6 host in brackets.
Status parse_host_port(std::string_view text, SubscriberAddress& address) {
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return make_error("expected [IPv6]:PORT");
        address.host = std::string(text.substr(1, close - 1));
        port = text.substr(close + 2);
    } else {
        const std::size_t colon = text.rfind(':');
        if (colon == std::string_view::npos) return make_error("the port is missing");
        address.host = std::string(text.substr(0, colon));
        port = text.substr(colon + 1);
    }
    if (!is_ip_literal(address.host))
        return make_error("\"" + address.host + "\" is not an IP address");
    auto parsed = parse_port(port);
    if (!parsed) return parsed.error();
    address.port = *parsed;
    return {};
}

Status send_udp(const SubscriberAddress& address, const std::string& text) {
    sockaddr_storage storage{};
    socklen_t length = 0;
    int family = AF_INET;
    if (address.host.find(':') != std::string::npos) {
        family = AF_INET6;
        sockaddr_in6 target{};
        target.sin6_family = AF_INET6;
        target.sin6_port = htons(address.port);
        ::inet_pton(AF_INET6, address.host.c_str(), &target.sin6_addr);
        std::memcpy(&storage, &target, sizeof target);
        length = sizeof target;
    } else {
        sockaddr_in target{};
        target.sin_family = AF_INET;
        target.sin_port = htons(address.port);
        ::inet_pton(AF_INET, address.host.c_str(), &target.sin_addr);
        std::memcpy(&storage, &target, sizeof target);
        length = sizeof target;
    }
    const Fd socket(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (socket.get() < 0) return make_error(std::string("socket: ") + std::strerror(errno), 0);
    const ssize_t sent = ::sendto(socket.get(), text.data(), text.size(), 0,
                                  reinterpret_cast<const sockaddr*>(&storage), length);
    if (sent < 0) return make_error(std::string("sendto: ") + std::strerror(errno), 0);
    return {};
}

Status send_http(const SubscriberAddress& address, const std::string& text,
                 std::chrono::milliseconds timeout) {
    httplib::Client client(address.host, address.port);
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout - seconds);
    client.set_connection_timeout(seconds.count(), micros.count());
    client.set_read_timeout(seconds.count(), micros.count());
    client.set_write_timeout(seconds.count(), micros.count());
    const httplib::Result result = client.Post(address.path, text, "application/json");
    if (!result)
        return make_error("POST " + address.to_string() + ": " + to_string(result.error()), 0);
    if (result->status / 100 != 2)
        return make_error(
            "POST " + address.to_string() + ": HTTP " + std::to_string(result->status), 0);
    return {};
}

}  // namespace

std::string notification_text(const Event& event) {
    nlohmann::json params = nlohmann::json::object();
    for (const auto& [name, value] : event.params)
        params[name] = value;
    const nlohmann::json notification = {
        {"jsonrpc", "2.0"}, {"method", event.name}, {"params", std::move(params)}};
    // Replace invalid UTF-8 rather than throw: parameters come from SIP messages.
    return notification.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string SubscriberAddress::to_string() const {
    const std::string host_text = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (kind == Kind::Udp) return "udp:" + host_text + ":" + std::to_string(port);
    return "http://" + host_text + ":" + std::to_string(port) + path;
}

Result<SubscriberAddress> parse_subscriber_address(std::string_view text) {
    SubscriberAddress address;
    constexpr std::string_view kUdp = "udp:";
    constexpr std::string_view kHttp = "http://";
    if (text.starts_with(kUdp)) {
        address.kind = SubscriberAddress::Kind::Udp;
        if (auto parsed = parse_host_port(text.substr(kUdp.size()), address); !parsed)
            return make_error("socket \"" + std::string(text) + "\": " + parsed.error().reason);
        return address;
    }
    if (text.starts_with(kHttp)) {
        address.kind = SubscriberAddress::Kind::Http;
        std::string_view rest = text.substr(kHttp.size());
        const std::size_t slash = rest.find('/');
        address.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
        rest = rest.substr(0, slash);
        if (auto parsed = parse_host_port(rest, address); !parsed)
            return make_error("socket \"" + std::string(text) + "\": " + parsed.error().reason);
        return address;
    }
    return make_error("socket \"" + std::string(text) +
                      "\": expected udp:HOST:PORT or http://HOST:PORT/path");
}

Status send_notification(const SubscriberAddress& address, const std::string& text,
                         std::chrono::milliseconds timeout) {
    if (address.kind == SubscriberAddress::Kind::Udp) return send_udp(address, text);
    return send_http(address, text, timeout);
}

EventBus::EventBus(BusLimits limits, Sender sender, Clock clock)
    : limits_(limits), sender_(std::move(sender)), clock_(std::move(clock)) {
    if (!sender_) {
        sender_ = [timeout = limits_.http_timeout](const SubscriberAddress& address,
                                                   const std::string& text) {
            return send_notification(address, text, timeout);
        };
    }
}

EventBus::~EventBus() {
    stop();
}

void EventBus::declare(std::string name, std::vector<std::string> params) {
    const std::lock_guard lock(mutex_);
    for (auto& [declared_name, declared_params] : declared_) {
        if (declared_name == name) {
            declared_params = std::move(params);
            return;
        }
    }
    declared_.emplace_back(std::move(name), std::move(params));
    std::sort(declared_.begin(), declared_.end());
}

bool EventBus::is_declared(std::string_view name) const {
    const std::lock_guard lock(mutex_);
    return std::any_of(declared_.begin(), declared_.end(),
                       [name](const auto& entry) { return entry.first == name; });
}

std::vector<std::pair<std::string, std::vector<std::string>>> EventBus::declared() const {
    const std::lock_guard lock(mutex_);
    return declared_;
}

void EventBus::drop_expired_locked(std::chrono::steady_clock::time_point now) {
    std::erase_if(subscriptions_, [now](const Subscription& s) { return s.expires <= now; });
    subscription_count_.store(subscriptions_.size(), std::memory_order_relaxed);
}

Status EventBus::subscribe(std::string_view event, const SubscriberAddress& address,
                           std::optional<std::chrono::seconds> expire) {
    if (!is_declared(event)) return make_error("unknown event \"" + std::string(event) + "\"", 404);
    const auto now = clock_();
    const std::lock_guard lock(mutex_);
    drop_expired_locked(now);
    const auto existing = std::find_if(
        subscriptions_.begin(), subscriptions_.end(),
        [&](const Subscription& s) { return s.event == event && s.address == address; });
    if (expire && expire->count() == 0) {
        if (existing != subscriptions_.end()) subscriptions_.erase(existing);
        subscription_count_.store(subscriptions_.size(), std::memory_order_relaxed);
        return {};
    }
    const auto expires = expire ? now + *expire : std::chrono::steady_clock::time_point::max();
    if (existing != subscriptions_.end()) {
        existing->expires = expires;
        return {};
    }
    if (subscriptions_.size() >= limits_.max_subscriptions)
        return make_error(
            "too many subscriptions (" + std::to_string(limits_.max_subscriptions) + ")", 503);
    subscriptions_.push_back(Subscription{std::string(event), address, expires});
    subscription_count_.store(subscriptions_.size(), std::memory_order_relaxed);
    return {};
}

std::vector<Subscription> EventBus::subscriptions() {
    const auto now = clock_();
    const std::lock_guard lock(mutex_);
    drop_expired_locked(now);
    return subscriptions_;
}

bool EventBus::has_subscribers(std::string_view event) const {
    if (subscription_count_.load(std::memory_order_relaxed) == 0) return false;
    const std::lock_guard lock(mutex_);
    return std::any_of(subscriptions_.begin(), subscriptions_.end(),
                       [event](const Subscription& s) { return s.event == event; });
}

void EventBus::raise(const Event& event) {
    if (subscription_count_.load(std::memory_order_relaxed) == 0) return;
    const auto now = clock_();
    std::string text;
    bool queued = false;
    {
        const std::lock_guard lock(mutex_);
        for (const Subscription& subscription : subscriptions_) {
            if (subscription.event != event.name || subscription.expires <= now) continue;
            if (text.empty()) {
                text = notification_text(event);
                ++stats_.raised;
            }
            if (queue_.size() >= limits_.queue_capacity) {
                ++stats_.dropped;
                continue;
            }
            queue_.push_back(Delivery{subscription.address, text});
            queued = true;
        }
    }
    if (queued) wake_.notify_one();
}

BusStats EventBus::stats() const {
    const std::lock_guard lock(mutex_);
    BusStats stats = stats_;
    stats.queued = queue_.size();
    return stats;
}

void EventBus::reset_stats() {
    const std::lock_guard lock(mutex_);
    stats_ = BusStats{};
}

void EventBus::start() {
    const std::lock_guard lock(mutex_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { deliver_loop(); });
}

void EventBus::stop() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void EventBus::deliver_loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        // Stopping drops what is queued: a dead subscriber could hold the
        // shutdown for a timeout per notification.
        if (stopping_) return;
        Delivery delivery = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        // Sent without the lock: raise() keeps queueing meanwhile.
        const Status sent = sender_(delivery.address, delivery.text);
        lock.lock();
        if (sent) {
            ++stats_.delivered;
        } else {
            ++stats_.failed;
        }
    }
}

}  // namespace tandem::events
