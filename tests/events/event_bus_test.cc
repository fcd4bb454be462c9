#include "events/event_bus.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <semaphore>

namespace tandem::events {
namespace {

using namespace std::chrono_literals;

SubscriberAddress udp(std::uint16_t port) {
    return SubscriberAddress{SubscriberAddress::Kind::Udp, "127.0.0.1", port, ""};
}

TEST(SubscriberAddress, ParsesUdpAndHttp) {
    auto udp_address = parse_subscriber_address("udp:127.0.0.1:9000");
    ASSERT_TRUE(udp_address.ok());
    EXPECT_EQ(*udp_address, udp(9000));
    auto http = parse_subscriber_address("http://127.0.0.1:8080/hook/a");
    ASSERT_TRUE(http.ok());
    EXPECT_EQ(http->kind, SubscriberAddress::Kind::Http);
    EXPECT_EQ(http->path, "/hook/a");
    EXPECT_EQ(http->to_string(), "http://127.0.0.1:8080/hook/a");
    auto bare = parse_subscriber_address("http://127.0.0.1:8080");
    ASSERT_TRUE(bare.ok());
    EXPECT_EQ(bare->path, "/");
    auto v6 = parse_subscriber_address("udp:[::1]:7");
    ASSERT_TRUE(v6.ok());
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->to_string(), "udp:[::1]:7");
}

TEST(SubscriberAddress, RefusesWhatItCannotUse) {
    EXPECT_FALSE(parse_subscriber_address("tcp:127.0.0.1:9").ok());
    EXPECT_FALSE(parse_subscriber_address("udp:localhost:9").ok());
    EXPECT_FALSE(parse_subscriber_address("udp:127.0.0.1").ok());
    EXPECT_FALSE(parse_subscriber_address("udp:127.0.0.1:0").ok());
    EXPECT_FALSE(parse_subscriber_address("udp:127.0.0.1:70000").ok());
    EXPECT_FALSE(parse_subscriber_address("https://127.0.0.1:9/").ok());
}

TEST(Notification, IsJsonRpc) {
    const auto text = notification_text(Event{"E_X", {{"callid", "c1"}, {"state", "4"}}});
    const auto json = nlohmann::json::parse(text);
    EXPECT_EQ(json["jsonrpc"], "2.0");
    EXPECT_EQ(json["method"], "E_X");
    EXPECT_EQ(json["params"], (nlohmann::json{{"callid", "c1"}, {"state", "4"}}));
    EXPECT_FALSE(json.contains("id"));
}

// A bus whose sender records what it sends, and can be held back.
struct Recorder {
    std::mutex mutex;
    std::vector<std::pair<SubscriberAddress, std::string>> sent;
    std::counting_semaphore<1024> gate{0};
    bool hold = false;

    EventBus::Sender sender() {
        return [this](const SubscriberAddress& address, const std::string& text) -> Status {
            if (hold) gate.acquire();
            const std::lock_guard lock(mutex);
            sent.emplace_back(address, text);
            return {};
        };
    }
    std::size_t count() {
        const std::lock_guard lock(mutex);
        return sent.size();
    }
};

bool eventually(const std::function<bool()>& done) {
    for (int i = 0; i < 200; ++i) {
        if (done()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return done();
}

TEST(EventBus, DeliversToSubscribersOfTheEventOnly) {
    Recorder recorder;
    EventBus bus({}, recorder.sender());
    bus.declare("E_A", {"x"});
    bus.declare("E_B", {});
    ASSERT_TRUE(bus.subscribe("E_A", udp(1), std::nullopt).ok());
    ASSERT_TRUE(bus.subscribe("E_A", udp(2), 60s).ok());
    ASSERT_TRUE(bus.subscribe("E_B", udp(3), std::nullopt).ok());
    EXPECT_TRUE(bus.has_subscribers("E_A"));
    bus.start();
    bus.raise(Event{"E_A", {{"x", "1"}}});
    ASSERT_TRUE(eventually([&] { return recorder.count() == 2; }));
    bus.stop();
    EXPECT_EQ(recorder.sent[0].first.port, 1);
    EXPECT_EQ(recorder.sent[1].first.port, 2);
    EXPECT_EQ(nlohmann::json::parse(recorder.sent[0].second)["params"]["x"], "1");
    EXPECT_EQ(bus.stats().delivered, 2u);
    EXPECT_EQ(bus.stats().raised, 1u);
}

TEST(EventBus, UndeclaredEventsAndLimits) {
    EventBus bus(BusLimits{.queue_capacity = 4, .max_subscriptions = 1});
    EXPECT_EQ(bus.subscribe("E_NONE", udp(1), std::nullopt).error().status, 404);
    bus.declare("E_A", {});
    ASSERT_TRUE(bus.subscribe("E_A", udp(1), std::nullopt).ok());
    // Renewing the same subscription is not a new one.
    ASSERT_TRUE(bus.subscribe("E_A", udp(1), 10s).ok());
    EXPECT_EQ(bus.subscribe("E_A", udp(2), std::nullopt).error().status, 503);
    ASSERT_TRUE(bus.subscribe("E_A", udp(1), 0s).ok());
    EXPECT_TRUE(bus.subscriptions().empty());
    EXPECT_FALSE(bus.has_subscribers("E_A"));
}

TEST(EventBus, ExpiredSubscriptionsLapse) {
    auto now = std::chrono::steady_clock::now();
    EventBus bus(
        {}, [](const SubscriberAddress&, const std::string&) -> Status { return {}; },
        [&now] { return now; });
    bus.declare("E_A", {});
    ASSERT_TRUE(bus.subscribe("E_A", udp(1), 5s).ok());
    EXPECT_EQ(bus.subscriptions().size(), 1u);
    now += 6s;
    EXPECT_TRUE(bus.subscriptions().empty());
}

TEST(EventBus, FullQueueDropsAndCountsWithoutBlocking) {
    Recorder recorder;
    recorder.hold = true;  // the subscriber never answers
    EventBus bus(BusLimits{.queue_capacity = 3}, recorder.sender());
    bus.declare("E_A", {});
    ASSERT_TRUE(bus.subscribe("E_A", udp(1), std::nullopt).ok());
    bus.start();
    const auto begin = std::chrono::steady_clock::now();
    for (int i = 0; i < 100; ++i)
        bus.raise(Event{"E_A", {}});
    EXPECT_LT(std::chrono::steady_clock::now() - begin, 1s);
    const BusStats stats = bus.stats();
    // One is being sent (held), three wait, the rest are dropped.
    EXPECT_GE(stats.dropped, 96u);
    EXPECT_LE(stats.dropped, 97u);
    recorder.gate.release(200);
    bus.stop();
    bus.reset_stats();
    EXPECT_EQ(bus.stats().dropped, 0u);
}

TEST(EventBus, FailedSendsAreCounted) {
    EventBus bus({}, [](const SubscriberAddress&, const std::string&) -> Status {
        return make_error("refused", 0);
    });
    bus.declare("E_A", {});
    ASSERT_TRUE(bus.subscribe("E_A", udp(1), std::nullopt).ok());
    bus.start();
    bus.raise(Event{"E_A", {}});
    EXPECT_TRUE(eventually([&] { return bus.stats().failed == 1; }));
}

TEST(EventBus, RealUdpDelivery) {
    const int socket = ::socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_GE(socket, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(socket, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    ASSERT_EQ(::getsockname(socket, reinterpret_cast<sockaddr*>(&address), &length), 0);

    EventBus bus;
    bus.declare("E_A", {"k"});
    ASSERT_TRUE(bus.subscribe("E_A", udp(ntohs(address.sin_port)), std::nullopt).ok());
    bus.start();
    bus.raise(Event{"E_A", {{"k", "v"}}});
    pollfd wait{socket, POLLIN, 0};
    ASSERT_EQ(::poll(&wait, 1, 2000), 1);
    char buffer[2048];
    const ssize_t got = ::recv(socket, buffer, sizeof buffer, 0);
    ::close(socket);
    ASSERT_GT(got, 0);
    const auto json = nlohmann::json::parse(std::string(buffer, static_cast<std::size_t>(got)));
    EXPECT_EQ(json["method"], "E_A");
    EXPECT_EQ(json["params"]["k"], "v");
}

TEST(EventBus, DeadHttpSubscriberFails) {
    EventBus bus(BusLimits{.http_timeout = 300ms});
    bus.declare("E_A", {});
    // Port 9 (discard) on loopback: nothing listens, the connection is refused.
    auto address = parse_subscriber_address("http://127.0.0.1:9/x");
    ASSERT_TRUE(address.ok());
    ASSERT_TRUE(bus.subscribe("E_A", *address, std::nullopt).ok());
    bus.start();
    bus.raise(Event{"E_A", {}});
    EXPECT_TRUE(eventually([&] { return bus.stats().failed == 1; }));
}

}  // namespace
}  // namespace tandem::events
