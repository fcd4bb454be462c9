// UDP through SocketTransport over loopback, with ephemeral ports.
#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <memory>
#include <span>
#include <vector>

#include "test_support.h"
#include "transport/socket_transport.h"

namespace tandem::transport {
namespace {

using test_support::from_listener;
using test_support::RawTcpPeer;
using test_support::RecordingHandler;
using test_support::run_until;
using test_support::sip_message;

TransportConfig udp_on(const IpAddress& address) {
    TransportConfig config;
    config.listeners.push_back(Endpoint{Protocol::udp, address, 0});
    return config;
}

class UdpRoundTrip : public ::testing::TestWithParam<IpAddress> {};

TEST_P(UdpRoundTrip, RequestAndResponseBetweenTwoTransports) {
    asio::io_context io;
    RecordingHandler alice_handler;
    RecordingHandler bob_handler;
    auto alice = SocketTransport::open(io, alice_handler, udp_on(GetParam()));
    ASSERT_TRUE(alice.ok()) << alice.error().reason;
    auto bob = SocketTransport::open(io, bob_handler, udp_on(GetParam()));
    ASSERT_TRUE(bob.ok()) << bob.error().reason;
    ASSERT_EQ(alice->local_endpoints().size(), 1u);
    const Endpoint alice_address = alice->local_endpoints()[0];
    const Endpoint bob_address = bob->local_endpoints()[0];
    EXPECT_NE(bob_address.port, 0);
    EXPECT_EQ(bob_address.address, GetParam());

    // Bob answers from the socket the request arrived on, to its source.
    const std::string response = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";
    bob_handler.reply = [&](const ReceivedMessage& request) {
        EXPECT_TRUE(bob->send(request.source, response, SendOptions::reply_to(request)).ok());
    };

    const std::string request = sip_message("OPTIONS");
    ASSERT_TRUE(alice->send(bob_address, request, {}).ok());
    ASSERT_TRUE(run_until(io, [&] { return alice_handler.messages.size() == 1; }));

    ASSERT_EQ(bob_handler.messages.size(), 1u);
    EXPECT_EQ(bob_handler.messages[0].bytes, request);
    EXPECT_EQ(bob_handler.messages[0].source, alice_address);
    EXPECT_EQ(bob_handler.messages[0].local, bob_address);
    EXPECT_FALSE(bob_handler.messages[0].connection);
    EXPECT_EQ(alice_handler.messages[0].bytes, response);
    EXPECT_EQ(alice_handler.messages[0].source, bob_address);

    EXPECT_EQ(alice->stats().udp.messages_sent, 1u);
    EXPECT_EQ(alice->stats().udp.bytes_sent, request.size());
    EXPECT_EQ(bob->stats().udp.messages_received, 1u);
    EXPECT_EQ(bob->stats().udp.bytes_received, request.size());
    EXPECT_EQ(bob->stats().udp.messages_sent, 1u);
    EXPECT_EQ(alice->stats().udp.messages_received, 1u);
    EXPECT_EQ(alice->stats().tcp.messages_received, 0u);
}

INSTANTIATE_TEST_SUITE_P(Loopback, UdpRoundTrip,
                         ::testing::Values(IpAddress::loopback_v4(), IpAddress::loopback_v6()),
                         test_support::family_name);

TEST_P(UdpRoundTrip, ABurstLongerThanOneWakeUpArrivesWholeAndInOrder) {
    // 100 datagrams wait in the socket before the loop runs: more than one
    // batch (8 per system call) and more than one wake-up (32).
    asio::io_context io;
    RecordingHandler sender_handler;
    RecordingHandler receiver_handler;
    auto sender = SocketTransport::open(io, sender_handler, udp_on(GetParam()));
    ASSERT_TRUE(sender.ok()) << sender.error().reason;
    auto receiver = SocketTransport::open(io, receiver_handler, udp_on(GetParam()));
    ASSERT_TRUE(receiver.ok()) << receiver.error().reason;
    const Endpoint receiver_address = receiver->local_endpoints()[0];

    constexpr int kDatagrams = 100;
    std::vector<std::string> sent;
    for (int i = 0; i < kDatagrams; ++i) {
        // Lengths differ, so a datagram read into a slot that still held a
        // longer one would show.
        sent.push_back(sip_message("OPTIONS", std::string(static_cast<std::size_t>(i % 7) * 50,
                                                          static_cast<char>('a' + i % 26))));
        ASSERT_TRUE(sender->send(receiver_address, sent.back(), {}).ok());
    }
    ASSERT_TRUE(run_until(io, [&] { return receiver_handler.messages.size() == sent.size(); }));

    for (int i = 0; i < kDatagrams; ++i) {
        const auto index = static_cast<std::size_t>(i);
        EXPECT_EQ(receiver_handler.messages[index].bytes, sent[index]) << i;
        EXPECT_EQ(receiver_handler.messages[index].source, sender->local_endpoints()[0]) << i;
    }
    EXPECT_EQ(receiver->stats().udp.messages_received, static_cast<std::uint64_t>(kDatagrams));
    EXPECT_EQ(receiver->stats().udp.receive_errors, 0u);
}

TEST(Udp, KeepAliveDatagramsAreCountedNotDelivered) {
    asio::io_context io;
    RecordingHandler handler;
    RecordingHandler sender_handler;
    auto server = SocketTransport::open(io, handler, udp_on(IpAddress::loopback_v4()));
    ASSERT_TRUE(server.ok());
    auto sender = SocketTransport::open(io, sender_handler, udp_on(IpAddress::loopback_v4()));
    ASSERT_TRUE(sender.ok());

    ASSERT_TRUE(sender->send(server->local_endpoints()[0], "\r\n\r\n", {}).ok());
    ASSERT_TRUE(sender->send(server->local_endpoints()[0], sip_message("MESSAGE", "hi"), {}).ok());
    ASSERT_TRUE(run_until(io, [&] { return handler.messages.size() == 1; }));
    // Datagrams from one socket to another on loopback arrive in order.
    EXPECT_EQ(server->stats().udp.keepalives_received, 1u);
    EXPECT_EQ(server->stats().udp.messages_received, 1u);
    EXPECT_EQ(handler.messages[0].bytes, sip_message("MESSAGE", "hi"));
}

TEST(Udp, ResponseLeavesFromTheChosenListener) {
    asio::io_context io;
    RecordingHandler server_handler;
    RecordingHandler client_handler;
    TransportConfig two_sockets = udp_on(IpAddress::loopback_v4());
    two_sockets.listeners.push_back(two_sockets.listeners[0]);
    auto server = SocketTransport::open(io, server_handler, two_sockets);
    ASSERT_TRUE(server.ok());
    auto client = SocketTransport::open(io, client_handler, udp_on(IpAddress::loopback_v4()));
    ASSERT_TRUE(client.ok());
    const Endpoint first = server->local_endpoints()[0];
    const Endpoint second = server->local_endpoints()[1];
    ASSERT_NE(first.port, second.port);

    const Endpoint client_address = client->local_endpoints()[0];
    ASSERT_TRUE(server->send(client_address, "A", from_listener(second)).ok());
    ASSERT_TRUE(server->send(client_address, "B", from_listener(first)).ok());
    ASSERT_TRUE(server->send(client_address, "C", {}).ok());
    ASSERT_TRUE(run_until(io, [&] { return client_handler.messages.size() == 3; }));
    EXPECT_EQ(client_handler.messages[0].source, second);
    EXPECT_EQ(client_handler.messages[1].source, first);
    // Without a choice, the first listener of the right family sends.
    EXPECT_EQ(client_handler.messages[2].source, first);
}

TEST(Udp, NoListenerOfTheDestinationFamilyIsAnError) {
    asio::io_context io;
    RecordingHandler handler;
    auto transport = SocketTransport::open(io, handler, udp_on(IpAddress::loopback_v4()));
    ASSERT_TRUE(transport.ok());
    const auto status =
        transport->send(Endpoint{Protocol::udp, IpAddress::loopback_v6(), 5060}, "x", {});
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().status, 503);
    EXPECT_EQ(transport->stats().udp.send_errors, 1u);
    EXPECT_EQ(transport->stats().udp.messages_sent, 0u);
}

TEST(Udp, OversizeDatagramIsASendErrorNotAnException) {
    asio::io_context io;
    RecordingHandler handler;
    auto transport = SocketTransport::open(io, handler, udp_on(IpAddress::loopback_v4()));
    ASSERT_TRUE(transport.ok());
    const std::string too_big(70000, 'x');
    const auto status = transport->send(transport->local_endpoints()[0], too_big, {});
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(transport->stats().udp.send_errors, 1u);
}

TEST(Udp, BindingATakenPortFailsWithoutReusePort) {
    asio::io_context io;
    RecordingHandler handler;
    auto first = SocketTransport::open(io, handler, udp_on(IpAddress::loopback_v4()));
    ASSERT_TRUE(first.ok());
    TransportConfig same;
    same.listeners.push_back(first->local_endpoints()[0]);
    const auto second = SocketTransport::open(io, handler, same);
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().reason.find(first->local_endpoints()[0].to_string()),
              std::string::npos);
}

TEST(ReusePort, TwoWorkersBindOneUdpAndTcpAddressAndShareTheTraffic) {
    asio::io_context io;
    RecordingHandler worker0_handler;
    RecordingHandler worker1_handler;
    TransportConfig config;
    config.reuse_port = true;
    config.listeners.push_back(Endpoint{Protocol::udp, IpAddress::loopback_v4(), 0});
    config.listeners.push_back(Endpoint{Protocol::tcp, IpAddress::loopback_v4(), 0});
    auto worker0 = SocketTransport::open(io, worker0_handler, config);
    ASSERT_TRUE(worker0.ok()) << worker0.error().reason;

    // The second worker binds the very addresses and ports the first one got.
    const std::span<const Endpoint> bound = worker0->local_endpoints();
    config.listeners.assign(bound.begin(), bound.end());
    config.worker = 1;
    auto worker1 = SocketTransport::open(io, worker1_handler, config);
    ASSERT_TRUE(worker1.ok()) << worker1.error().reason;
    ASSERT_EQ(worker1->local_endpoints().size(), 2u);
    EXPECT_EQ(worker1->local_endpoints()[0], worker0->local_endpoints()[0]);
    EXPECT_EQ(worker1->local_endpoints()[1], worker0->local_endpoints()[1]);

    // The kernel picks a socket by a hash of the source address and port: from
    // many source ports, each socket gets some datagrams and every datagram
    // reaches exactly one of them.
    constexpr int kSenders = 64;
    std::vector<asio::ip::udp::socket> senders;
    const auto destination = detail::to_asio_endpoint<asio::ip::udp>(worker0->local_endpoints()[0]);
    for (int i = 0; i < kSenders; ++i) {
        senders.emplace_back(io, asio::ip::udp::endpoint{asio::ip::address_v4::loopback(), 0});
        senders.back().send_to(asio::buffer(sip_message("OPTIONS")), destination);
    }
    ASSERT_TRUE(run_until(io, [&] {
        return worker0_handler.messages.size() + worker1_handler.messages.size() == kSenders;
    }));
    EXPECT_GT(worker0_handler.messages.size(), 0u);
    EXPECT_GT(worker1_handler.messages.size(), 0u);
    for (auto& sender : senders) {
        sender.close();
    }

    // Incoming connections are spread the same way, each accepted once.
    constexpr std::uint64_t kPeers = 32;
    std::vector<std::unique_ptr<RawTcpPeer>> peers;
    for (std::uint64_t i = 0; i < kPeers; ++i) {
        peers.push_back(std::make_unique<RawTcpPeer>(io, worker0->local_endpoints()[1]));
        peers.back()->write(sip_message("OPTIONS"));
    }
    ASSERT_TRUE(run_until(io, [&] {
        return worker0->stats().tcp.messages_received + worker1->stats().tcp.messages_received ==
               kPeers;
    }));
    EXPECT_GT(worker0->stats().connections.accepted, 0u);
    EXPECT_GT(worker1->stats().connections.accepted, 0u);
    EXPECT_EQ(worker0->connection_count() + worker1->connection_count(), kPeers);
}

}  // namespace
}  // namespace tandem::transport
