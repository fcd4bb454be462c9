// The real transport of one worker: UDP and TCP listeners, outgoing TCP
// connections and the connection table, all driven by the worker's own
// io_context. Everything here runs on that one thread; nothing is locked.
#pragma once

#include <asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "transport/endpoint.h"
#include "transport/stream_framer.h"
#include "transport/transport.h"

namespace tandem::transport {

struct TransportConfig {
    // Addresses to listen on; the protocol of each says UDP or TCP. Port 0
    // asks the kernel for a free port (tests).
    std::vector<Endpoint> listeners;
    // Index of the worker that owns this transport; it becomes part of every
    // ConnectionId it hands out.
    std::uint16_t worker = 0;
    // Set when several workers bind the same listeners: each worker gets its
    // own sockets and the kernel spreads datagrams and connections.
    bool reuse_port = false;
    std::chrono::milliseconds tcp_idle_timeout{std::chrono::minutes{5}};
    std::chrono::milliseconds tcp_connect_timeout{std::chrono::seconds{10}};
    // Open connections (accepted plus outgoing) of this worker.
    std::size_t max_tcp_connections = 4096;
    // Bytes waiting to be written on one connection, including messages
    // queued while it connects; beyond this the peer is too slow and the
    // connection is closed.
    std::size_t max_write_queue_bytes = 2 * 1024 * 1024;
    FramingLimits framing;
};

class SocketTransport final : public Transport {
  public:
    // Binds every listener and starts receiving (work happens when the
    // io_context runs). Fails with the first listener that cannot be bound.
    // `handler` must outlive the transport.
    static Result<SocketTransport> open(asio::io_context& io, TransportHandler& handler,
                                        TransportConfig config);

    SocketTransport(SocketTransport&&) noexcept;
    SocketTransport& operator=(SocketTransport&&) noexcept;
    // Closes every socket. Completions still queued in the io_context find
    // the transport gone and do nothing; queued messages are not reported.
    ~SocketTransport() override;

    Status send(const Endpoint& destination, std::string_view bytes,
                const SendOptions& options) override;
    std::span<const Endpoint> local_endpoints() const override;

    const TransportStats& stats() const;
    // Open and connecting TCP connections.
    std::size_t connection_count() const;
    bool has_connection(ConnectionId id) const;

  private:
    class Impl;
    explicit SocketTransport(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::transport
