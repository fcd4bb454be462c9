#include "transport/udp_listener.h"

#include <sys/socket.h>

#include <asio/error.hpp>
#include <asio/ip/v6_only.hpp>

#include "transport/asio_util.h"

namespace tandem::transport::detail {

namespace {

// Datagrams read per wake-up before the listener yields to the event loop,
// so one busy socket cannot starve timers and the other sockets.
constexpr int kMaxDatagramsPerWakeup = 16;

// A burst of datagrams has to fit in the socket's receive buffer while the
// worker is busy or descheduled; the kernel's default (about 208 KB) drops
// datagrams above a few thousand calls per second on a loaded machine.
constexpr int kReceiveBufferBytes = 4 * 1024 * 1024;

// Best effort: SO_RCVBUFFORCE passes net.core.rmem_max when Tandem may
// (root, CAP_NET_ADMIN); otherwise SO_RCVBUF gets what rmem_max allows.
void enlarge_receive_buffer(asio::ip::udp::socket& socket) {
    const int size = kReceiveBufferBytes;
    const int fd = socket.native_handle();
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) == 0) return;
    (void)::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
}

bool is_would_block(const std::error_code& error) {
    return error == asio::error::would_block || error == asio::error::try_again;
}

}  // namespace

Result<std::shared_ptr<UdpListener>> UdpListener::open(asio::io_context& io, const Endpoint& local,
                                                       bool reuse_port, Owner& owner) {
    const auto endpoint = to_asio_endpoint<asio::ip::udp>(local);
    const std::string where = "UDP listener " + local.to_string();
    asio::ip::udp::socket socket{io};
    std::error_code error;
    socket.open(endpoint.protocol(), error);
    if (error) return socket_error(where, error, 500);
    if (local.address.is_v6()) {
        socket.set_option(asio::ip::v6_only{true}, error);
        if (error) return socket_error(where, error, 500);
    }
    if (reuse_port) {
        socket.set_option(ReusePort{true}, error);
        if (error) return socket_error(where, error, 500);
    }
    socket.bind(endpoint, error);
    if (error) return socket_error(where, error, 500);
    enlarge_receive_buffer(socket);
    // Sends never wait (a full buffer drops the datagram) and the receive loop
    // reads until the kernel has nothing more.
    socket.non_blocking(true, error);
    if (error) return socket_error(where, error, 500);
    const auto bound = socket.local_endpoint(error);
    if (error) return socket_error(where, error, 500);
    return std::make_shared<UdpListener>(Passkey{}, std::move(socket), from_asio(bound), owner);
}

UdpListener::UdpListener(Passkey, asio::ip::udp::socket socket, const Endpoint& local, Owner& owner)
    : socket_(std::move(socket)), local_(local), owner_(&owner) {}

void UdpListener::start() {
    receive();
}

void UdpListener::receive() {
    socket_.async_receive_from(
        asio::buffer(buffer_), sender_,
        [self = shared_from_this()](const std::error_code& error, std::size_t bytes) {
            self->on_receive(error, bytes);
        });
}

void UdpListener::on_receive(const std::error_code& error, std::size_t bytes) {
    if (owner_ == nullptr || error == asio::error::operation_aborted) return;
    if (error) {
        // Errors on an unconnected UDP socket concern one datagram (an ICMP
        // report, a truncation); the socket itself stays usable.
        ++owner_->udp_counters().receive_errors;
    } else if (!deliver(bytes) || !drain_ready()) {
        return;
    }
    receive();
}

bool UdpListener::drain_ready() {
    for (int i = 0; i < kMaxDatagramsPerWakeup; ++i) {
        std::error_code error;
        const std::size_t bytes = socket_.receive_from(asio::buffer(buffer_), sender_, 0, error);
        if (error) {
            if (!is_would_block(error)) ++owner_->udp_counters().receive_errors;
            return true;
        }
        if (!deliver(bytes)) return false;
    }
    return true;
}

bool UdpListener::deliver(std::size_t bytes) {
    owner_->on_datagram(*this, std::string_view{buffer_.data(), bytes}, from_asio(sender_));
    // The owner may have gone away from inside its own callback.
    return owner_ != nullptr;
}

Status UdpListener::send_to(const Endpoint& destination, std::string_view bytes) {
    std::error_code error;
    socket_.send_to(asio::buffer(bytes.data(), bytes.size()),
                    to_asio_endpoint<asio::ip::udp>(destination), 0, error);
    if (error) return socket_error("UDP send to " + destination.to_string(), error);
    return {};
}

void UdpListener::detach() {
    owner_ = nullptr;
    std::error_code ignored;
    socket_.close(ignored);
}

}  // namespace tandem::transport::detail
