// The seam between the transport and the layers above it: what a received
// message looks like, how to send one, what the transport reports back, and
// the counters it keeps. The transaction layer is written against Transport
// and TransportHandler only, so its tests can use RecordingTransport.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>

#include "base/result.h"
#include "transport/endpoint.h"

namespace tandem::transport {

// Names one TCP connection. The owning worker is part of the value, because a
// connection is served by the worker that accepted or opened it: a message
// for a connection owned by another worker must be posted to that worker.
// The empty id (value 0) stands for "no connection" (UDP).
class ConnectionId {
  public:
    constexpr ConnectionId() = default;
    constexpr ConnectionId(std::uint16_t worker, std::uint64_t serial)
        : value_((std::uint64_t{worker} << kSerialBits) | (serial & kSerialMask)) {}

    constexpr std::uint16_t worker() const {
        return static_cast<std::uint16_t>(value_ >> kSerialBits);
    }
    constexpr std::uint64_t serial() const { return value_ & kSerialMask; }
    constexpr std::uint64_t value() const { return value_; }
    constexpr explicit operator bool() const { return serial() != 0; }

    friend constexpr bool operator==(ConnectionId, ConnectionId) = default;

  private:
    static constexpr int kSerialBits = 48;
    static constexpr std::uint64_t kSerialMask = (std::uint64_t{1} << kSerialBits) - 1;
    std::uint64_t value_ = 0;
};

struct ReceivedMessage {
    // One whole SIP message (a datagram, or one frame of a stream). Valid only
    // during the on_message call: copy what must outlive it.
    std::string_view bytes;
    // Where it came from: the address for `received`/`rport` (RFC 3581) and
    // where a response goes back to.
    Endpoint source;
    // The local socket address it arrived on (the listener's bound address
    // for UDP, the connection's local address for TCP).
    Endpoint local;
    // The connection it arrived on; empty for UDP.
    ConnectionId connection;
};

struct SendOptions {
    // Send over this connection if it is still open (responses go back on the
    // connection their request came on, RFC 3261 18.2.2). When it has closed,
    // any open connection to the destination is used, or a new one opened.
    ConnectionId connection;
    // UDP: send from the listener bound to this address (responses leave from
    // the socket the request arrived on, RFC 3581 section 4). Without it the
    // first UDP listener of the destination's address family is used.
    std::optional<Endpoint> local;
    // Handed back in SendFailure, so the caller can tell which of its
    // messages was lost (a transaction id, for example).
    std::uint64_t tag = 0;

    // The options for answering `request`: back over its connection, or from
    // the UDP socket it arrived on.
    static SendOptions reply_to(const ReceivedMessage& request) {
        SendOptions options;
        options.connection = request.connection;
        options.local = request.local;
        return options;
    }
};

// A message that send() accepted but that never reached the socket: the
// connection could not be opened or was lost while it waited in the queue.
struct SendFailure {
    Endpoint destination;
    ConnectionId connection;
    std::uint64_t tag = 0;
    Error error;  // status 503: what the transaction layer reports upward
};

enum class CloseReason : std::uint8_t {
    peer_closed,       // the peer closed or reset the connection
    idle_timeout,      // no traffic for the idle timeout
    connect_failed,    // an outgoing connect was refused or timed out
    io_error,          // a read or write failed
    framing_error,     // the peer sent bytes that cannot be split into messages
    write_queue_full,  // the peer does not read fast enough
};

std::string_view to_string(CloseReason reason);

struct ConnectionClosed {
    ConnectionId connection;
    Endpoint remote;
    CloseReason reason = CloseReason::peer_closed;
};

// What the transport tells the layer above. Every call comes from the event
// loop of the transport's worker, never from inside Transport::send(), so a
// handler may send freely.
class TransportHandler {
  public:
    virtual ~TransportHandler() = default;
    virtual void on_message(const ReceivedMessage& message) = 0;
    virtual void on_send_failed(const SendFailure& failure) = 0;
    virtual void on_connection_closed(const ConnectionClosed& closed) = 0;
};

class Transport {
  public:
    virtual ~Transport() = default;

    // Sends one whole SIP message. For UDP the datagram is handed to the
    // kernel before this returns; for TCP it is queued on a connection
    // (opened on demand) and a later loss is reported through
    // TransportHandler::on_send_failed. An error returned here means the
    // message was not accepted; nothing further is reported for it.
    virtual Status send(const Endpoint& destination, std::string_view bytes,
                        const SendOptions& options) = 0;

    // The addresses this transport listens on, with ephemeral ports resolved.
    virtual std::span<const Endpoint> local_endpoints() const = 0;
};

// Counters of one protocol. They belong to the worker that owns the transport
// and are plain integers: read them on that worker (post a task to it to
// collect them from elsewhere).
struct ProtocolCounters {
    std::uint64_t messages_received = 0;
    std::uint64_t bytes_received = 0;
    std::uint64_t messages_sent = 0;
    std::uint64_t bytes_sent = 0;
    std::uint64_t keepalives_received = 0;  // CRLF CRLF pings and empty datagrams
    std::uint64_t receive_errors = 0;       // socket errors while receiving
    std::uint64_t send_errors = 0;          // send() calls that returned an error
    std::uint64_t dropped = 0;              // accepted by send() but never sent
};

struct ConnectionCounters {
    std::uint64_t accepted = 0;
    std::uint64_t rejected = 0;  // accepted while at the connection limit, then closed
    std::uint64_t connects_started = 0;
    std::uint64_t connects_failed = 0;
    std::uint64_t closed = 0;  // all closes; the ones below are also counted here
    std::uint64_t idle_closed = 0;
    std::uint64_t framing_errors = 0;
    std::uint64_t write_queue_overflows = 0;
};

struct TransportStats {
    ProtocolCounters udp;
    ProtocolCounters tcp;
    ConnectionCounters connections;
};

}  // namespace tandem::transport

template <>
struct std::hash<tandem::transport::ConnectionId> {
    std::size_t operator()(tandem::transport::ConnectionId id) const noexcept {
        return std::hash<std::uint64_t>{}(id.value());
    }
};
