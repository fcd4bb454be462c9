#include "transport/tcp_connection.h"

#include <algorithm>
#include <asio/error.hpp>
#include <asio/write.hpp>

#include "transport/asio_util.h"

namespace tandem::transport::detail {

namespace {

// Free space offered to each read. Large enough for a typical INVITE in one
// read, small enough that thousands of idle connections stay cheap.
constexpr std::size_t kReadChunk = 16 * 1024;

// Queued messages gathered into one write call.
constexpr std::size_t kMaxMessagesPerWrite = 64;

// RFC 5626 section 3.5.1: the answer to a CRLF CRLF ping.
constexpr std::string_view kPong = "\r\n";

bool is_peer_gone(const std::error_code& error) {
    return error == asio::error::eof || error == asio::error::connection_reset ||
           error == asio::error::broken_pipe;
}

}  // namespace

std::shared_ptr<TcpConnection> TcpConnection::accepted(asio::ip::tcp::socket socket,
                                                       ConnectionId id, const Endpoint& remote,
                                                       const TcpSettings& settings, Owner& owner) {
    auto connection =
        std::make_shared<TcpConnection>(Passkey{}, std::move(socket), id, remote, settings, owner);
    connection->start_open();
    return connection;
}

std::shared_ptr<TcpConnection> TcpConnection::connect(asio::io_context& io, ConnectionId id,
                                                      const Endpoint& remote,
                                                      const TcpSettings& settings, Owner& owner) {
    auto connection = std::make_shared<TcpConnection>(Passkey{}, asio::ip::tcp::socket{io}, id,
                                                      remote, settings, owner);
    connection->arm_timer(settings.connect_timeout);
    // async_connect opens the socket itself; failing to open (no descriptors
    // left) arrives in the handler like any connect error.
    connection->socket_.async_connect(
        to_asio_endpoint<asio::ip::tcp>(remote),
        [self = connection](const std::error_code& error) { self->on_connect(error); });
    return connection;
}

TcpConnection::TcpConnection(Passkey, asio::ip::tcp::socket socket, ConnectionId id,
                             const Endpoint& remote, const TcpSettings& settings, Owner& owner)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      id_(id),
      remote_(remote),
      local_{Protocol::tcp, remote.address.is_v4() ? IpAddress::any_v4() : IpAddress::any_v6(), 0},
      settings_(settings),
      owner_(&owner),
      framer_(settings.framing),
      last_activity_(std::chrono::steady_clock::now()) {}

void TcpConnection::on_connect(const std::error_code& error) {
    if (owner_ == nullptr || state_ == State::closed) return;
    if (error) {
        close(CloseReason::connect_failed,
              socket_error("TCP connect to " + remote_.to_string(), error).reason);
        return;
    }
    start_open();
}

void TcpConnection::start_open() {
    state_ = State::open;
    std::error_code error;
    const auto local = socket_.local_endpoint(error);
    if (!error) local_ = from_asio(local);
    // Messages are written whole and gathered; Nagle's delay only adds latency.
    socket_.set_option(asio::ip::tcp::no_delay{true}, error);
    last_activity_ = std::chrono::steady_clock::now();
    arm_timer(settings_.idle_timeout);
    read();
    if (!queue_.empty()) write();
}

void TcpConnection::read() {
    const auto space = framer_.prepare(kReadChunk);
    socket_.async_read_some(
        asio::buffer(space.data(), space.size()),
        [self = shared_from_this()](const std::error_code& error, std::size_t bytes) {
            self->on_read(error, bytes);
        });
}

void TcpConnection::on_read(const std::error_code& error, std::size_t bytes) {
    if (owner_ == nullptr || state_ == State::closed) return;
    if (error) {
        if (is_peer_gone(error)) {
            close(CloseReason::peer_closed);
        } else {
            close(CloseReason::io_error, socket_error("TCP read", error).reason);
        }
        return;
    }
    last_activity_ = std::chrono::steady_clock::now();
    ProtocolCounters& counters = owner_->stats().tcp;
    counters.bytes_received += bytes;
    framer_.commit(bytes);
    while (true) {
        const Frame frame = framer_.next();
        switch (frame.kind) {
            case Frame::Kind::incomplete:
                read();
                return;
            case Frame::Kind::ping:
                ++counters.keepalives_received;
                if (!push(QueuedWrite{std::string{kPong}, 0, false})) return;
                break;
            case Frame::Kind::message:
                ++counters.messages_received;
                owner_->on_message(*this, frame.bytes);
                // The owner may have closed us, or itself gone away.
                if (owner_ == nullptr || state_ == State::closed) return;
                break;
            case Frame::Kind::error:
                close(CloseReason::framing_error, frame.error.reason);
                return;
        }
    }
}

Status TcpConnection::enqueue(std::string_view bytes, std::uint64_t tag) {
    if (state_ == State::closed) return make_error("TCP connection closed", 503);
    // A failed push closes the connection, and that may release the last
    // reference to it: touch no member afterwards.
    if (!push(QueuedWrite{std::string{bytes}, tag, true})) {
        return make_error("TCP write queue full", 503);
    }
    return {};
}

bool TcpConnection::push(QueuedWrite write) {
    if (queued_bytes_ + write.bytes.size() > settings_.max_write_queue_bytes) {
        close(CloseReason::write_queue_full);
        return false;
    }
    queued_bytes_ += write.bytes.size();
    queue_.push_back(std::move(write));
    if (state_ == State::open && writing_ == 0) this->write();
    return true;
}

void TcpConnection::write() {
    writing_ = std::min(queue_.size(), kMaxMessagesPerWrite);
    write_buffers_.clear();
    for (std::size_t i = 0; i < writing_; ++i) {
        write_buffers_.push_back(asio::buffer(queue_[i].bytes));
    }
    asio::async_write(socket_, write_buffers_,
                      [self = shared_from_this()](const std::error_code& error, std::size_t) {
                          self->on_write(error);
                      });
}

void TcpConnection::on_write(const std::error_code& error) {
    if (owner_ == nullptr || state_ == State::closed) return;
    if (error) {
        if (is_peer_gone(error)) {
            close(CloseReason::peer_closed);
        } else {
            close(CloseReason::io_error, socket_error("TCP write", error).reason);
        }
        return;
    }
    last_activity_ = std::chrono::steady_clock::now();
    ProtocolCounters& counters = owner_->stats().tcp;
    for (std::size_t i = 0; i < writing_; ++i) {
        const QueuedWrite& written = queue_.front();
        queued_bytes_ -= written.bytes.size();
        counters.bytes_sent += written.bytes.size();
        if (written.is_message) ++counters.messages_sent;
        queue_.pop_front();
    }
    writing_ = 0;
    if (!queue_.empty()) write();
}

void TcpConnection::arm_timer(std::chrono::steady_clock::duration after) {
    timer_.expires_after(after);
    timer_.async_wait(
        [self = shared_from_this()](const std::error_code& error) { self->on_timer(error); });
}

void TcpConnection::on_timer(const std::error_code& error) {
    // A cancelled wait (re-armed or closed) reports operation_aborted.
    if (error || owner_ == nullptr || state_ == State::closed) return;
    if (state_ == State::connecting) {
        close(CloseReason::connect_failed, "TCP connect to " + remote_.to_string() + " timed out");
        return;
    }
    // Traffic does not touch the timer (that would cost a timer operation
    // per message); it moves last_activity_, and the timer re-arms for the
    // time left when it finds the connection was used meanwhile.
    const auto idle_for = std::chrono::steady_clock::now() - last_activity_;
    if (idle_for >= settings_.idle_timeout) {
        close(CloseReason::idle_timeout);
        return;
    }
    arm_timer(settings_.idle_timeout - idle_for);
}

void TcpConnection::close(CloseReason reason, const std::string& detail) {
    if (state_ == State::closed) return;
    // The owner drops its reference in on_closed; stay alive until we return.
    const auto self = shared_from_this();
    state_ = State::closed;
    timer_.cancel();
    std::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    std::deque<QueuedWrite> unsent;
    unsent.swap(queue_);
    queued_bytes_ = 0;
    writing_ = 0;
    if (owner_ != nullptr) owner_->on_closed(*this, reason, detail, std::move(unsent));
}

void TcpConnection::detach() {
    owner_ = nullptr;
    if (state_ == State::closed) return;
    state_ = State::closed;
    timer_.cancel();
    std::error_code ignored;
    socket_.close(ignored);
    queue_.clear();
}

}  // namespace tandem::transport::detail
