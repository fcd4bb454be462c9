#include "transport/socket_transport.h"

#include <asio/post.hpp>
#include <string>
#include <unordered_map>
#include <utility>

#include "base/strings.h"
#include "transport/asio_util.h"
#include "transport/tcp_connection.h"
#include "transport/tcp_listener.h"
#include "transport/udp_listener.h"

namespace tandem::transport {

using detail::QueuedWrite;
using detail::TcpConnection;
using detail::TcpListener;
using detail::UdpListener;

class SocketTransport::Impl final : public UdpListener::Owner,
                                    public TcpListener::Owner,
                                    public TcpConnection::Owner {
  public:
    Impl(asio::io_context& io, TransportHandler& handler, TransportConfig config);
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    ~Impl() override;

    Status open_listeners();
    Status send(const Endpoint& destination, std::string_view bytes, const SendOptions& options);

    const std::vector<Endpoint>& local_endpoints() const { return local_endpoints_; }
    const TransportStats& counters() const { return stats_; }
    std::size_t connection_count() const { return connections_.size(); }
    bool has_connection(ConnectionId id) const { return connections_.contains(id); }

    // UdpListener::Owner
    void on_datagram(UdpListener& listener, std::string_view bytes,
                     const Endpoint& source) override;
    ProtocolCounters& udp_counters() override { return stats_.udp; }

    // TcpListener::Owner
    void on_accepted(TcpListener& listener, asio::ip::tcp::socket socket) override;
    ProtocolCounters& tcp_counters() override { return stats_.tcp; }

    // TcpConnection::Owner
    void on_message(TcpConnection& connection, std::string_view bytes) override;
    void on_closed(TcpConnection& connection, CloseReason reason, const std::string& detail,
                   std::deque<QueuedWrite> unsent) override;
    TransportStats& stats() override { return stats_; }

  private:
    // Posted notifications check this token, so a transport destroyed before
    // they run is not called.
    struct LifetimeToken {};

    Status send_udp(const Endpoint& destination, std::string_view bytes,
                    const SendOptions& options);
    Status send_tcp(const Endpoint& destination, std::string_view bytes,
                    const SendOptions& options);
    UdpListener* pick_udp_listener(const Endpoint& destination,
                                   const std::optional<Endpoint>& local) const;
    std::shared_ptr<TcpConnection> find_connection(const Endpoint& destination,
                                                   ConnectionId preferred) const;
    std::shared_ptr<TcpConnection> open_connection(const Endpoint& destination);
    ConnectionId next_connection_id() { return ConnectionId{config_.worker, ++last_serial_}; }

    asio::io_context& io_;
    TransportHandler& handler_;
    TransportConfig config_;
    detail::TcpSettings tcp_settings_;
    std::vector<std::shared_ptr<UdpListener>> udp_listeners_;
    std::vector<std::shared_ptr<TcpListener>> tcp_listeners_;
    std::vector<Endpoint> local_endpoints_;
    std::unordered_map<ConnectionId, std::shared_ptr<TcpConnection>> connections_;
    // The connection to use for a destination that names no connection: the
    // latest one opened or accepted with that remote address.
    std::unordered_map<Endpoint, ConnectionId> by_remote_;
    std::uint64_t last_serial_ = 0;
    TransportStats stats_;
    std::shared_ptr<LifetimeToken> lifetime_ = std::make_shared<LifetimeToken>();
};

SocketTransport::Impl::Impl(asio::io_context& io, TransportHandler& handler, TransportConfig config)
    : io_(io),
      handler_(handler),
      config_(std::move(config)),
      tcp_settings_{config_.tcp_idle_timeout, config_.tcp_connect_timeout,
                    config_.max_write_queue_bytes, config_.framing} {}

SocketTransport::Impl::~Impl() {
    for (const auto& listener : udp_listeners_) {
        listener->detach();
    }
    for (const auto& listener : tcp_listeners_) {
        listener->detach();
    }
    for (const auto& [id, connection] : connections_) {
        connection->detach();
    }
}

Status SocketTransport::Impl::open_listeners() {
    for (const Endpoint& endpoint : config_.listeners) {
        if (endpoint.protocol == Protocol::udp) {
            auto listener = UdpListener::open(io_, endpoint, config_.reuse_port, *this);
            if (!listener) return listener.error();
            local_endpoints_.push_back((*listener)->local());
            udp_listeners_.push_back(std::move(*listener));
        } else {
            auto listener = TcpListener::open(io_, endpoint, config_.reuse_port, *this);
            if (!listener) return listener.error();
            local_endpoints_.push_back((*listener)->local());
            tcp_listeners_.push_back(std::move(*listener));
        }
    }
    // Nothing receives until every listener is bound, so a failed open leaves
    // no loop running.
    for (const auto& listener : udp_listeners_) {
        listener->start();
    }
    for (const auto& listener : tcp_listeners_) {
        listener->start();
    }
    return {};
}

Status SocketTransport::Impl::send(const Endpoint& destination, std::string_view bytes,
                                   const SendOptions& options) {
    return destination.protocol == Protocol::udp ? send_udp(destination, bytes, options)
                                                 : send_tcp(destination, bytes, options);
}

UdpListener* SocketTransport::Impl::pick_udp_listener(const Endpoint& destination,
                                                      const std::optional<Endpoint>& local) const {
    if (local) {
        for (const auto& listener : udp_listeners_) {
            if (listener->local() == *local) return listener.get();
        }
    }
    for (const auto& listener : udp_listeners_) {
        if (listener->local().address.family() == destination.address.family()) {
            return listener.get();
        }
    }
    return nullptr;
}

Status SocketTransport::Impl::send_udp(const Endpoint& destination, std::string_view bytes,
                                       const SendOptions& options) {
    UdpListener* listener = pick_udp_listener(destination, options.local);
    if (listener == nullptr) {
        ++stats_.udp.send_errors;
        return make_error("no UDP listener for " + destination.to_string(), 503);
    }
    auto status = listener->send_to(destination, bytes);
    if (!status) {
        ++stats_.udp.send_errors;
        return status;
    }
    ++stats_.udp.messages_sent;
    stats_.udp.bytes_sent += bytes.size();
    return status;
}

std::shared_ptr<TcpConnection> SocketTransport::Impl::find_connection(
    const Endpoint& destination, ConnectionId preferred) const {
    if (preferred) {
        if (const auto it = connections_.find(preferred); it != connections_.end()) {
            return it->second;
        }
    }
    if (const auto it = by_remote_.find(destination); it != by_remote_.end()) {
        return connections_.at(it->second);
    }
    return nullptr;
}

std::shared_ptr<TcpConnection> SocketTransport::Impl::open_connection(const Endpoint& destination) {
    ++stats_.connections.connects_started;
    auto connection =
        TcpConnection::connect(io_, next_connection_id(), destination, tcp_settings_, *this);
    connections_.emplace(connection->id(), connection);
    by_remote_[destination] = connection->id();
    return connection;
}

Status SocketTransport::Impl::send_tcp(const Endpoint& destination, std::string_view bytes,
                                       const SendOptions& options) {
    if (bytes.size() > config_.max_write_queue_bytes) {
        // Refused without closing anything: the connection is not at fault.
        ++stats_.tcp.send_errors;
        return make_error("message larger than the TCP write queue", 513);
    }
    if (options.connection && options.connection.worker() != config_.worker) {
        ++stats_.tcp.send_errors;
        return make_error("connection belongs to worker " +
                              std::to_string(options.connection.worker()) + ", not " +
                              std::to_string(config_.worker),
                          500);
    }
    // A shared_ptr, not a raw pointer: an overflowing enqueue closes the
    // connection, which removes it from the table while we still hold it.
    auto connection = find_connection(destination, options.connection);
    if (!connection) {
        if (connections_.size() >= config_.max_tcp_connections) {
            ++stats_.tcp.send_errors;
            return make_error("TCP connection limit reached", 503);
        }
        connection = open_connection(destination);
    }
    auto status = connection->enqueue(bytes, options.tag);
    if (!status) {
        ++stats_.tcp.send_errors;
        return make_error(status.error().reason + " (" + destination.to_string() + ")", 503);
    }
    return status;
}

void SocketTransport::Impl::on_datagram(UdpListener& listener, std::string_view bytes,
                                        const Endpoint& source) {
    stats_.udp.bytes_received += bytes.size();
    // NAT keep-alives over UDP: empty datagrams or bare CRLFs. Not SIP, and
    // not worth a parse attempt.
    if (trim(bytes).empty()) {
        ++stats_.udp.keepalives_received;
        return;
    }
    ++stats_.udp.messages_received;
    handler_.on_message(ReceivedMessage{bytes, source, listener.local(), ConnectionId{}});
}

void SocketTransport::Impl::on_accepted(TcpListener&, asio::ip::tcp::socket socket) {
    if (connections_.size() >= config_.max_tcp_connections) {
        ++stats_.connections.rejected;
        std::error_code ignored;
        socket.close(ignored);
        return;
    }
    std::error_code error;
    const auto remote = socket.remote_endpoint(error);
    if (error) {
        // The peer left between accept and now.
        ++stats_.tcp.receive_errors;
        return;
    }
    ++stats_.connections.accepted;
    auto connection = TcpConnection::accepted(std::move(socket), next_connection_id(),
                                              detail::from_asio(remote), tcp_settings_, *this);
    by_remote_[connection->remote()] = connection->id();
    connections_.emplace(connection->id(), std::move(connection));
}

void SocketTransport::Impl::on_message(TcpConnection& connection, std::string_view bytes) {
    handler_.on_message(
        ReceivedMessage{bytes, connection.remote(), connection.local(), connection.id()});
}

void SocketTransport::Impl::on_closed(TcpConnection& connection, CloseReason reason,
                                      const std::string& detail, std::deque<QueuedWrite> unsent) {
    ConnectionCounters& counters = stats_.connections;
    ++counters.closed;
    switch (reason) {
        case CloseReason::idle_timeout:
            ++counters.idle_closed;
            break;
        case CloseReason::connect_failed:
            ++counters.connects_failed;
            break;
        case CloseReason::framing_error:
            ++counters.framing_errors;
            break;
        case CloseReason::write_queue_full:
            ++counters.write_queue_overflows;
            break;
        case CloseReason::peer_closed:
        case CloseReason::io_error:
            break;
    }

    const ConnectionId id = connection.id();
    const Endpoint remote = connection.remote();
    std::string why = detail.empty() ? "TCP connection to " + remote.to_string() +
                                           " closed: " + std::string{to_string(reason)}
                                     : detail;
    std::vector<SendFailure> failures;
    for (const QueuedWrite& write : unsent) {
        if (write.is_message) {
            failures.push_back(SendFailure{remote, id, write.tag, make_error(why, 503)});
        }
    }
    stats_.tcp.dropped += failures.size();

    if (const auto it = by_remote_.find(remote); it != by_remote_.end() && it->second == id) {
        by_remote_.erase(it);
    }
    connections_.erase(id);  // `connection` keeps itself alive until close() returns

    // Reported from the event loop, never from inside the send() or receive
    // callback that caused the close.
    asio::post(
        io_, [this, alive = std::weak_ptr<LifetimeToken>{lifetime_}, failures = std::move(failures),
              closed = ConnectionClosed{id, remote, reason}] {
            for (const SendFailure& failure : failures) {
                if (alive.expired()) return;
                handler_.on_send_failed(failure);
            }
            if (alive.expired()) return;
            handler_.on_connection_closed(closed);
        });
}

Result<SocketTransport> SocketTransport::open(asio::io_context& io, TransportHandler& handler,
                                              TransportConfig config) {
    auto impl = std::make_unique<Impl>(io, handler, std::move(config));
    if (auto status = impl->open_listeners(); !status) return status.error();
    return SocketTransport{std::move(impl)};
}

SocketTransport::SocketTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SocketTransport::SocketTransport(SocketTransport&&) noexcept = default;
SocketTransport& SocketTransport::operator=(SocketTransport&&) noexcept = default;
SocketTransport::~SocketTransport() = default;

Status SocketTransport::send(const Endpoint& destination, std::string_view bytes,
                             const SendOptions& options) {
    return impl_->send(destination, bytes, options);
}

std::span<const Endpoint> SocketTransport::local_endpoints() const {
    return impl_->local_endpoints();
}

const TransportStats& SocketTransport::stats() const {
    return impl_->counters();
}
std::size_t SocketTransport::connection_count() const {
    return impl_->connection_count();
}
bool SocketTransport::has_connection(ConnectionId id) const {
    return impl_->has_connection(id);
}

}  // namespace tandem::transport
