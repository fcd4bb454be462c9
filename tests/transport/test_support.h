// Helpers shared by the socket tests: a handler that records what the
// transport reports, a raw TCP peer, and a bounded event-loop runner.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "transport/asio_util.h"
#include "transport/transport.h"

namespace tandem::transport::test_support {

// Runs the loop until `done` holds. The limit only keeps a broken test from
// hanging; no test depends on how long anything takes.
inline bool run_until(asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::seconds limit = std::chrono::seconds{10}) {
    const auto give_up = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > give_up) return false;
        if (io.stopped()) io.restart();
        io.run_one_for(std::chrono::milliseconds{20});
    }
    return true;
}

// A SIP-looking message with a correct Content-Length.
inline std::string sip_message(std::string_view method, std::string_view body = {}) {
    std::string message{method};
    message += " sip:bob@example.com SIP/2.0\r\n";
    message += "Via: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK-test\r\n";
    message += "Call-ID: test-call\r\n";
    message += "CSeq: 1 ";
    message += method;
    message += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    message += body;
    return message;
}

inline SendOptions over(ConnectionId connection, std::uint64_t tag = 0) {
    SendOptions options;
    options.connection = connection;
    options.tag = tag;
    return options;
}

inline SendOptions tagged(std::uint64_t tag) {
    SendOptions options;
    options.tag = tag;
    return options;
}

inline SendOptions from_listener(const Endpoint& local) {
    SendOptions options;
    options.local = local;
    return options;
}

// Names the IPv4 and IPv6 instances of a test parametrized by address.
inline std::string family_name(const ::testing::TestParamInfo<IpAddress>& param) {
    return param.param.is_v4() ? "Ipv4" : "Ipv6";
}

struct Received {
    std::string bytes;
    Endpoint source;
    Endpoint local;
    ConnectionId connection;
};

class RecordingHandler : public TransportHandler {
  public:
    void on_message(const ReceivedMessage& message) override {
        messages.push_back(Received{std::string{message.bytes}, message.source, message.local,
                                    message.connection});
        if (reply) reply(message);
    }
    void on_send_failed(const SendFailure& failure) override { failures.push_back(failure); }
    void on_connection_closed(const ConnectionClosed& event) override { closed.push_back(event); }

    std::vector<Received> messages;
    std::vector<SendFailure> failures;
    std::vector<ConnectionClosed> closed;
    // Called after each message is recorded, e.g. to answer it.
    std::function<void(const ReceivedMessage&)> reply;
};

// A plain TCP client socket playing the remote SIP peer. Connects and writes
// synchronously (loopback, small data), reads asynchronously into received().
class RawTcpPeer {
  public:
    RawTcpPeer(asio::io_context& io, const Endpoint& server) : state_(std::make_shared<State>(io)) {
        state_->socket.connect(detail::to_asio_endpoint<asio::ip::tcp>(server));
    }
    RawTcpPeer(const RawTcpPeer&) = delete;
    RawTcpPeer& operator=(const RawTcpPeer&) = delete;
    ~RawTcpPeer() { close(); }

    // Starts collecting what the server sends. A peer that never calls this
    // plays one that does not read.
    void start_reading() { read(state_); }

    void write(std::string_view bytes) { asio::write(state_->socket, asio::buffer(bytes)); }

    Endpoint local() const { return detail::from_asio(state_->socket.local_endpoint()); }
    const std::string& received() const { return state_->received; }
    bool saw_end_of_stream() const { return state_->ended; }

    void close() {
        std::error_code ignored;
        state_->socket.close(ignored);
    }

  private:
    // Shared with pending reads, which may complete after the peer is gone.
    struct State {
        explicit State(asio::io_context& io) : socket(io) {}
        asio::ip::tcp::socket socket;
        std::array<char, 4096> buffer{};
        std::string received;
        bool ended = false;
    };

    static void read(const std::shared_ptr<State>& state) {
        state->socket.async_read_some(asio::buffer(state->buffer),
                                      [state](const std::error_code& error, std::size_t bytes) {
                                          if (error) {
                                              state->ended = true;
                                              return;
                                          }
                                          state->received.append(state->buffer.data(), bytes);
                                          read(state);
                                      });
    }

    std::shared_ptr<State> state_;
};

}  // namespace tandem::transport::test_support
