// Internal to the transport layer: one TCP connection, accepted or opened by
// us. It frames what it reads into SIP messages, writes queued messages in
// order, answers keep-alive pings, and closes itself on errors, on idleness
// and when its write queue overflows.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "transport/endpoint.h"
#include "transport/stream_framer.h"
#include "transport/transport.h"

namespace tandem::transport::detail {

struct TcpSettings {
    std::chrono::milliseconds idle_timeout{std::chrono::minutes{5}};
    std::chrono::milliseconds connect_timeout{std::chrono::seconds{10}};
    std::size_t max_write_queue_bytes = 2 * 1024 * 1024;
    FramingLimits framing;
};

// One message waiting to be written.
struct QueuedWrite {
    std::string bytes;
    std::uint64_t tag = 0;
    bool is_message = true;  // false for a keep-alive pong
};

class TcpConnection : public std::enable_shared_from_this<TcpConnection> {
  public:
    class Owner {
      public:
        virtual void on_message(TcpConnection& connection, std::string_view bytes) = 0;
        // The connection has closed; `unsent` holds what was queued and never
        // fully written. `detail` explains the error, if there was one.
        virtual void on_closed(TcpConnection& connection, CloseReason reason,
                               const std::string& detail, std::deque<QueuedWrite> unsent) = 0;
        virtual TransportStats& stats() = 0;

      protected:
        virtual ~Owner() = default;
    };

    enum class State : std::uint8_t { connecting, open, closed };

    // A connection the listener accepted: reads at once.
    static std::shared_ptr<TcpConnection> accepted(asio::ip::tcp::socket socket, ConnectionId id,
                                                   const Endpoint& remote,
                                                   const TcpSettings& settings, Owner& owner);
    // A connection to `remote` that connects at once; messages queue meanwhile.
    static std::shared_ptr<TcpConnection> connect(asio::io_context& io, ConnectionId id,
                                                  const Endpoint& remote,
                                                  const TcpSettings& settings, Owner& owner);

    // Queues one message; fails (and closes the connection) when the queue
    // would exceed its limit, or when the connection is already closed.
    Status enqueue(std::string_view bytes, std::uint64_t tag);

    void close(CloseReason reason, const std::string& detail = {});
    // Closes without telling the owner, which is going away.
    void detach();

    ConnectionId id() const { return id_; }
    State state() const { return state_; }
    const Endpoint& remote() const { return remote_; }
    const Endpoint& local() const { return local_; }

    class Passkey {
        Passkey() = default;
        friend class TcpConnection;
    };
    TcpConnection(Passkey, asio::ip::tcp::socket socket, ConnectionId id, const Endpoint& remote,
                  const TcpSettings& settings, Owner& owner);

  private:
    void start_open();
    void on_connect(const std::error_code& error);
    void read();
    void on_read(const std::error_code& error, std::size_t bytes);
    // Queues a write, or closes the connection when the queue is full.
    bool push(QueuedWrite write);
    void write();
    void on_write(const std::error_code& error);
    void arm_timer(std::chrono::steady_clock::duration after);
    void on_timer(const std::error_code& error);

    asio::ip::tcp::socket socket_;
    asio::steady_timer timer_;
    ConnectionId id_;
    Endpoint remote_;
    Endpoint local_;
    TcpSettings settings_;
    Owner* owner_;
    State state_ = State::connecting;

    StreamFramer framer_;
    std::deque<QueuedWrite> queue_;
    std::size_t queued_bytes_ = 0;
    // How many messages at the front of queue_ the current write covers.
    std::size_t writing_ = 0;
    std::vector<asio::const_buffer> write_buffers_;
    std::chrono::steady_clock::time_point last_activity_;
};

}  // namespace tandem::transport::detail
