// TCP through SocketTransport over loopback: framing of real streams,
// connection reuse, the connection table, and every way a connection ends.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <set>
#include <string>
#include <vector>

#include "test_support.h"
#include "transport/socket_transport.h"

namespace tandem::transport {
namespace {

using test_support::over;
using test_support::RawTcpPeer;
using test_support::Received;
using test_support::RecordingHandler;
using test_support::run_until;
using test_support::sip_message;
using test_support::tagged;

TransportConfig tcp_on(const IpAddress& address) {
    TransportConfig config;
    config.listeners.push_back(Endpoint{Protocol::tcp, address, 0});
    return config;
}

const std::string kOk = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";

TEST(Tcp, FramesMessagesHoweverTheStreamIsCut) {
    asio::io_context io;
    RecordingHandler handler;
    auto server = SocketTransport::open(io, handler, tcp_on(IpAddress::loopback_v4()));
    ASSERT_TRUE(server.ok()) << server.error().reason;
    RawTcpPeer peer{io, server->local_endpoints()[0]};

    const std::string first = sip_message("INVITE", "v=0\r\n");
    const std::string second = sip_message("ACK");
    peer.write(first + second);
    ASSERT_TRUE(run_until(io, [&] { return handler.messages.size() == 2; }));

    // One message in three writes, each read by the server before the next.
    const std::string third = sip_message("MESSAGE", "three pieces");
    const std::string_view whole{third};
    std::size_t sent = first.size() + second.size();
    for (const std::string_view piece : {whole.substr(0, 10), whole.substr(10, whole.size() - 13),
                                         whole.substr(whole.size() - 3)}) {
        peer.write(piece);
        sent += piece.size();
        ASSERT_TRUE(run_until(io, [&] { return server->stats().tcp.bytes_received == sent; }));
    }
    ASSERT_TRUE(run_until(io, [&] { return handler.messages.size() == 3; }));

    EXPECT_EQ(handler.messages[0].bytes, first);
    EXPECT_EQ(handler.messages[1].bytes, second);
    EXPECT_EQ(handler.messages[2].bytes, third);
    for (const auto& message : handler.messages) {
        EXPECT_EQ(message.source, peer.local());
        EXPECT_EQ(message.local, server->local_endpoints()[0]);
        EXPECT_EQ(message.connection, handler.messages[0].connection);
    }
    EXPECT_TRUE(handler.messages[0].connection);
    EXPECT_EQ(handler.messages[0].connection.worker(), 0);
    EXPECT_EQ(server->stats().tcp.messages_received, 3u);
    EXPECT_EQ(server->stats().connections.accepted, 1u);
}

TEST(Tcp, ResponseGoesBackOnTheRequestsConnection) {
    asio::io_context io;
    RecordingHandler handler;
    auto server = SocketTransport::open(io, handler, tcp_on(IpAddress::loopback_v4()));
    ASSERT_TRUE(server.ok());
    handler.reply = [&](const ReceivedMessage& request) {
        EXPECT_TRUE(server->send(request.source, kOk, SendOptions::reply_to(request)).ok());
    };
    RawTcpPeer peer{io, server->local_endpoints()[0]};
    peer.start_reading();

    peer.write(sip_message("OPTIONS"));
    ASSERT_TRUE(run_until(io, [&] { return peer.received() == kOk; }));
    peer.write(sip_message("OPTIONS"));
    ASSERT_TRUE(run_until(io, [&] { return peer.received() == kOk + kOk; }));

    EXPECT_EQ(server->connection_count(), 1u);
    EXPECT_EQ(server->stats().connections.connects_started, 0u);
    EXPECT_EQ(server->stats().tcp.messages_sent, 2u);
    EXPECT_EQ(server->stats().tcp.bytes_sent, 2 * kOk.size());
}

TEST(Tcp, AnyOpenConnectionToTheDestinationIsReused) {
    asio::io_context io;
    RecordingHandler handler;
    auto server = SocketTransport::open(io, handler, tcp_on(IpAddress::loopback_v4()));
    ASSERT_TRUE(server.ok());
    RawTcpPeer peer{io, server->local_endpoints()[0]};
    peer.start_reading();
    peer.write(sip_message("REGISTER"));
    ASSERT_TRUE(run_until(io, [&] { return handler.messages.size() == 1; }));

    // No connection named: the table finds the peer's connection by address.
    const std::string request = sip_message("NOTIFY");
    ASSERT_TRUE(server->send(peer.local(), request, {}).ok());
    ASSERT_TRUE(run_until(io, [&] { return peer.received() == request; }));
    EXPECT_EQ(server->connection_count(), 1u);
    EXPECT_EQ(server->stats().connections.connects_started, 0u);
}

TEST(Tcp, KeepAlivePingIsAnsweredWithPong) {
    asio::io_context io;
    RecordingHandler handler;
    auto server = SocketTransport::open(io, handler, tcp_on(IpAddress::loopback_v4()));
    ASSERT_TRUE(server.ok());
    RawTcpPeer peer{io, server->local_endpoints()[0]};
    peer.start_reading();

    peer.write("\r\n\r\n");
    ASSERT_TRUE(run_until(io, [&] { return peer.received() == "\r\n"; }));
    EXPECT_EQ(server->stats().tcp.keepalives_received, 1u);
    EXPECT_EQ(server->stats().tcp.messages_sent, 0u);
    EXPECT_TRUE(handler.messages.empty());
}

TEST(Tcp, ConnectionClosedByPeerLeavesTheTable) {
    asio::io_context io;
    RecordingHandler handler;
    auto server = SocketTransport::open(io, handler, tcp_on(IpAddress::loopback_v4()));
    ASSERT_TRUE(server.ok());
    RawTcpPeer peer{io, server->local_endpoints()[0]};
    const Endpoint peer_address = peer.local();
    peer.write(sip_message("OPTIONS"));
    ASSERT_TRUE(run_until(io, [&] { return handler.messages.size() == 1; }));
    const ConnectionId id = handler.messages[0].connection;
    EXPECT_TRUE(server->has_connection(id));

    peer.close();
    ASSERT_TRUE(run_until(io, [&] { return handler.closed.size() == 1; }));
    EXPECT_EQ(handler.closed[0].connection, id);
    EXPECT_EQ(handler.closed[0].remote, peer_address);
    EXPECT_EQ(handler.closed[0].reason, CloseReason::peer_closed);
    EXPECT_FALSE(server->has_connection(id));
    EXPECT_EQ(server->connection_count(), 0u);
    EXPECT_EQ(server->stats().connections.closed, 1u);
    EXPECT_TRUE(handler.failures.empty());
}

class TcpBetweenTransports : public ::testing::TestWithParam<IpAddress> {};

TEST_P(TcpBetweenTransports, ConnectsOnDemandAndReusesTheConnection) {
    asio::io_context io;
    RecordingHandler server_handler;
    RecordingHandler client_handler;
    auto server = SocketTransport::open(io, server_handler, tcp_on(GetParam()));
    ASSERT_TRUE(server.ok()) << server.error().reason;
    server_handler.reply = [&](const ReceivedMessage& request) {
        EXPECT_TRUE(server->send(request.source, kOk, SendOptions::reply_to(request)).ok());
    };
    // A transport with no listener still opens connections.
    TransportConfig client_config;
    client_config.worker = 3;
    auto client = SocketTransport::open(io, client_handler, client_config);
    ASSERT_TRUE(client.ok());
    EXPECT_TRUE(client->local_endpoints().empty());

    const Endpoint server_address = server->local_endpoints()[0];
    // Both messages queue while the connection is being made.
    ASSERT_TRUE(client->send(server_address, sip_message("INVITE", "sdp"), {}).ok());
    ASSERT_TRUE(client->send(server_address, sip_message("INFO"), {}).ok());
    EXPECT_EQ(client->connection_count(), 1u);
    ASSERT_TRUE(run_until(io, [&] { return client_handler.messages.size() == 2; }));

    EXPECT_EQ(server_handler.messages[0].bytes, sip_message("INVITE", "sdp"));
    EXPECT_EQ(server_handler.messages[1].bytes, sip_message("INFO"));
    const Received response = client_handler.messages[0];  // a copy: the vector grows
    EXPECT_EQ(response.bytes, kOk);
    EXPECT_EQ(response.source, server_address);
    EXPECT_EQ(response.local, server_handler.messages[0].source);
    EXPECT_EQ(response.connection.worker(), 3);
    EXPECT_TRUE(client->has_connection(response.connection));

    // Later messages to the same address take the same connection.
    ASSERT_TRUE(client->send(server_address, sip_message("BYE"), {}).ok());
    ASSERT_TRUE(run_until(io, [&] { return client_handler.messages.size() == 3; }));
    EXPECT_EQ(client_handler.messages[2].connection, response.connection);
    EXPECT_EQ(client->stats().connections.connects_started, 1u);
    EXPECT_EQ(client->connection_count(), 1u);
    EXPECT_EQ(server->stats().connections.accepted, 1u);
    EXPECT_EQ(client->stats().tcp.messages_sent, 3u);
}

INSTANTIATE_TEST_SUITE_P(Loopback, TcpBetweenTransports,
                         ::testing::Values(IpAddress::loopback_v4(), IpAddress::loopback_v6()),
                         test_support::family_name);

TEST(Tcp, ConnectFailureReportsEveryQueuedMessage) {
    asio::io_context io;
    // A bound socket that does not listen: connecting to it is refused, and
    // holding it keeps anyone else from taking the port meanwhile.
    asio::ip::tcp::acceptor not_listening{io};
    not_listening.open(asio::ip::tcp::v4());
    not_listening.bind({asio::ip::address_v4::loopback(), 0});
    const Endpoint nobody = detail::from_asio(not_listening.local_endpoint());

    RecordingHandler handler;
    auto client = SocketTransport::open(io, handler, TransportConfig{});
    ASSERT_TRUE(client.ok());
    ASSERT_TRUE(client->send(nobody, sip_message("INVITE"), tagged(7)).ok());
    ASSERT_TRUE(client->send(nobody, sip_message("MESSAGE"), tagged(8)).ok());
    ASSERT_TRUE(run_until(io, [&] { return handler.closed.size() == 1; }));

    ASSERT_EQ(handler.failures.size(), 2u);
    EXPECT_EQ(handler.failures[0].tag, 7u);
    EXPECT_EQ(handler.failures[1].tag, 8u);
    for (const SendFailure& failure : handler.failures) {
        EXPECT_EQ(failure.destination, nobody);
        EXPECT_EQ(failure.error.status, 503);
        EXPECT_NE(failure.error.reason.find("refused"), std::string::npos) << failure.error.reason;
    }
    EXPECT_EQ(handler.closed[0].reason, CloseReason::connect_failed);
    EXPECT_EQ(client->connection_count(), 0u);
    EXPECT_EQ(client->stats().connections.connects_failed, 1u);
    EXPECT_EQ(client->stats().tcp.dropped, 2u);
    not_listening.close();
}

TEST(Tcp, ConnectThatNeverCompletesTimesOut) {
    asio::io_context io;
    // A listener with a backlog of one that never accepts: once one
    // connection waits in its queue, the kernel drops further SYNs, so the
    // next connect neither succeeds nor fails.
    asio::ip::tcp::acceptor full{io};
    full.open(asio::ip::tcp::v4());
    full.bind({asio::ip::address_v4::loopback(), 0});
    full.listen(0);
    const Endpoint busy = detail::from_asio(full.local_endpoint());
    RawTcpPeer waiting{io, busy};

    RecordingHandler handler;
    TransportConfig config;
    config.tcp_connect_timeout = std::chrono::milliseconds{200};
    auto client = SocketTransport::open(io, handler, config);
    ASSERT_TRUE(client.ok());
    ASSERT_TRUE(client->send(busy, sip_message("OPTIONS"), tagged(1)).ok());
    ASSERT_TRUE(run_until(io, [&] { return handler.closed.size() == 1; }));
    EXPECT_EQ(handler.closed[0].reason, CloseReason::connect_failed);
    ASSERT_EQ(handler.failures.size(), 1u);
    EXPECT_NE(handler.failures[0].error.reason.find("timed out"), std::string::npos)
        << handler.failures[0].error.reason;
    full.close();
}

TEST(Tcp, IdleConnectionIsClosed) {
    asio::io_context io;
    RecordingHandler handler;
    TransportConfig config = tcp_on(IpAddress::loopback_v4());
    config.tcp_idle_timeout = std::chrono::milliseconds{200};
    auto server = SocketTransport::open(io, handler, config);
    ASSERT_TRUE(server.ok());
    RawTcpPeer peer{io, server->local_endpoints()[0]};
    peer.start_reading();
    peer.write(sip_message("OPTIONS"));

    ASSERT_TRUE(run_until(io, [&] { return handler.closed.size() == 1; }));
    EXPECT_EQ(handler.closed[0].reason, CloseReason::idle_timeout);
    EXPECT_EQ(handler.messages.size(), 1u);
    EXPECT_EQ(server->stats().connections.idle_closed, 1u);
    EXPECT_EQ(server->connection_count(), 0u);
    ASSERT_TRUE(run_until(io, [&] { return peer.saw_end_of_stream(); }));
}

TEST(Tcp, OversizeHeadersCloseTheConnection) {
    asio::io_context io;
    RecordingHandler handler;
    TransportConfig config = tcp_on(IpAddress::loopback_v4());
    config.framing.max_header_bytes = 1024;
    auto server = SocketTransport::open(io, handler, config);
    ASSERT_TRUE(server.ok());
    RawTcpPeer peer{io, server->local_endpoints()[0]};
    peer.start_reading();

    peer.write("INVITE sip:a@b SIP/2.0\r\nSubject: " + std::string(2000, 'x'));
    ASSERT_TRUE(run_until(io, [&] { return handler.closed.size() == 1; }));
    EXPECT_EQ(handler.closed[0].reason, CloseReason::framing_error);
    EXPECT_EQ(server->stats().connections.framing_errors, 1u);
    EXPECT_TRUE(handler.messages.empty());
    ASSERT_TRUE(run_until(io, [&] { return peer.saw_end_of_stream(); }));
}

TEST(Tcp, MissingContentLengthClosesTheConnectionAfterGoodMessages) {
    asio::io_context io;
    RecordingHandler handler;
    auto server = SocketTransport::open(io, handler, tcp_on(IpAddress::loopback_v4()));
    ASSERT_TRUE(server.ok());
    RawTcpPeer peer{io, server->local_endpoints()[0]};

    peer.write(sip_message("OPTIONS") + "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n");
    ASSERT_TRUE(run_until(io, [&] { return handler.closed.size() == 1; }));
    EXPECT_EQ(handler.messages.size(), 1u);
    EXPECT_EQ(handler.closed[0].reason, CloseReason::framing_error);
}

TEST(Tcp, SlowPeerOverflowsTheWriteQueueAndIsClosed) {
    asio::io_context io;
    RecordingHandler handler;
    TransportConfig config = tcp_on(IpAddress::loopback_v4());
    config.max_write_queue_bytes = 64 * 1024;
    auto server = SocketTransport::open(io, handler, config);
    ASSERT_TRUE(server.ok());
    RawTcpPeer peer{io, server->local_endpoints()[0]};  // never reads
    peer.write(sip_message("SUBSCRIBE"));
    ASSERT_TRUE(run_until(io, [&] { return handler.messages.size() == 1; }));
    const Received subscribe = handler.messages[0];

    // Kernel buffers absorb some megabytes first; the bound only keeps a
    // broken transport from looping forever.
    const std::string notify = sip_message("NOTIFY", std::string(16 * 1024, 'n'));
    bool refused = false;
    for (std::uint64_t tag = 1; tag < 100000 && !refused; ++tag) {
        refused = !server->send(subscribe.source, notify, over(subscribe.connection, tag)).ok();
        io.poll();
    }
    ASSERT_TRUE(refused);
    ASSERT_TRUE(run_until(io, [&] { return handler.closed.size() == 1; }));
    EXPECT_EQ(handler.closed[0].reason, CloseReason::write_queue_full);
    EXPECT_EQ(server->stats().connections.write_queue_overflows, 1u);
    EXPECT_FALSE(server->has_connection(subscribe.connection));
    // What was queued and not written is reported, message by message.
    EXPECT_FALSE(handler.failures.empty());
    EXPECT_EQ(server->stats().tcp.dropped, handler.failures.size());
    EXPECT_EQ(server->stats().tcp.send_errors, 1u);
}

TEST(Tcp, MessageLargerThanTheQueueIsRefusedWithoutConnecting) {
    asio::io_context io;
    RecordingHandler handler;
    TransportConfig config;
    config.max_write_queue_bytes = 1000;
    auto client = SocketTransport::open(io, handler, config);
    ASSERT_TRUE(client.ok());
    const auto status =
        client->send(*Endpoint::parse("tcp:127.0.0.1:9"), std::string(1001, 'x'), {});
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().status, 513);
    EXPECT_EQ(client->connection_count(), 0u);
}

TEST(Tcp, ConnectionOfAnotherWorkerIsRefused) {
    asio::io_context io;
    RecordingHandler handler;
    auto transport = SocketTransport::open(io, handler, TransportConfig{});
    ASSERT_TRUE(transport.ok());
    const auto status =
        transport->send(*Endpoint::parse("tcp:127.0.0.1:9"), "x", over(ConnectionId{4, 1}));
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().status, 500);
    EXPECT_EQ(transport->connection_count(), 0u);
}

TEST(Tcp, ConnectionsOverTheLimitAreRejected) {
    asio::io_context io;
    RecordingHandler handler;
    TransportConfig config = tcp_on(IpAddress::loopback_v4());
    config.max_tcp_connections = 1;
    auto server = SocketTransport::open(io, handler, config);
    ASSERT_TRUE(server.ok());
    RawTcpPeer first{io, server->local_endpoints()[0]};
    first.write(sip_message("OPTIONS"));
    ASSERT_TRUE(run_until(io, [&] { return handler.messages.size() == 1; }));

    RawTcpPeer second{io, server->local_endpoints()[0]};
    second.start_reading();
    ASSERT_TRUE(run_until(io, [&] { return second.saw_end_of_stream(); }));
    EXPECT_EQ(server->stats().connections.rejected, 1u);
    EXPECT_EQ(server->connection_count(), 1u);

    // Nor may the worker open one of its own.
    const auto status = server->send(*Endpoint::parse("tcp:127.0.0.1:9"), "x", {});
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(server->connection_count(), 1u);
}

// UBSan's vptr check opens a pipe to probe memory; with no descriptor left
// it reports every virtual call as a bad object. So the UBSan build does not
// have the test below (a skipped test would count as failed) and the release
// build runs it.
#ifndef TANDEM_UBSAN
// Lowers the process's descriptor limit and fills every free descriptor
// below it, so the next accept() fails with EMFILE; gives all back when
// destroyed.
class DescriptorsExhausted {
  public:
    DescriptorsExhausted() : source_(::open("/dev/null", O_RDONLY)) {
        getrlimit(RLIMIT_NOFILE, &saved_);
        // Descriptors are handed out lowest first: a limit a little above
        // the lowest free one leaves only a few to fill.
        const int lowest_free = dup(source_);
        ::close(lowest_free);
        rlimit lowered = saved_;
        lowered.rlim_cur = static_cast<rlim_t>(lowest_free) + 16;
        setrlimit(RLIMIT_NOFILE, &lowered);
        for (int fd = dup(source_); fd >= 0; fd = dup(source_)) {
            held_.push_back(fd);
        }
    }
    DescriptorsExhausted(const DescriptorsExhausted&) = delete;
    DescriptorsExhausted& operator=(const DescriptorsExhausted&) = delete;
    ~DescriptorsExhausted() {
        for (const int fd : held_) {
            ::close(fd);
        }
        setrlimit(RLIMIT_NOFILE, &saved_);
        ::close(source_);
    }

    bool filled() const { return source_ >= 0 && !held_.empty(); }

  private:
    int source_;
    rlimit saved_{};
    std::vector<int> held_;
};

TEST(Tcp, AcceptResumesAfterRunningOutOfDescriptors) {
    asio::io_context io;
    RecordingHandler handler;
    auto server = SocketTransport::open(io, handler, tcp_on(IpAddress::loopback_v4()));
    ASSERT_TRUE(server.ok());
    RawTcpPeer peer{io, server->local_endpoints()[0]};
    peer.write(sip_message("OPTIONS"));
    {
        const DescriptorsExhausted exhausted;
        ASSERT_TRUE(exhausted.filled());
        ASSERT_TRUE(run_until(io, [&] { return server->stats().tcp.receive_errors > 0; }));
        EXPECT_EQ(server->stats().connections.accepted, 0u);
    }
    // The listener tries again a little later and picks the connection up.
    ASSERT_TRUE(run_until(io, [&] { return handler.messages.size() == 1; }));
    EXPECT_EQ(server->stats().connections.accepted, 1u);
}
#endif  // TANDEM_UBSAN

TEST(Tcp, DestroyingTheTransportWithWorkPendingIsSafe) {
    asio::io_context io;
    RecordingHandler handler;
    RecordingHandler server_handler;
    auto server = SocketTransport::open(io, server_handler, tcp_on(IpAddress::loopback_v4()));
    ASSERT_TRUE(server.ok());
    {
        auto client = SocketTransport::open(io, handler, TransportConfig{});
        ASSERT_TRUE(client.ok());
        ASSERT_TRUE(client->send(server->local_endpoints()[0], sip_message("INVITE"), {}).ok());
    }
    // The client's connect and timers complete with nobody left to call.
    ASSERT_TRUE(run_until(io, [&] { return server->stats().connections.closed == 1; }));
    EXPECT_TRUE(handler.failures.empty());
    EXPECT_TRUE(handler.closed.empty());
}

}  // namespace
}  // namespace tandem::transport
