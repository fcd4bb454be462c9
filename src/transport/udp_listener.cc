#include "transport/udp_listener.h"

#include <sys/socket.h>

#include <asio/error.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/post.hpp>
#include <cerrno>
#include <cstring>

#include "transport/asio_util.h"

namespace tandem::transport::detail {

namespace {

// Datagrams read per wake-up before the listener yields to the event loop,
// so one busy socket cannot starve timers and the other sockets.
constexpr std::size_t kMaxDatagramsPerWakeup = 32;

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
    wait_readable();
}

// The socket is read directly (recvmmsg) once the event loop says it is
// readable: a wake-up costs one epoll_wait and one recvmmsg for all the
// datagrams waiting, instead of one recvfrom each plus one that finds the
// socket empty.
void UdpListener::wait_readable() {
    socket_.async_wait(
        asio::socket_base::wait_read,
        [self = shared_from_this()](const std::error_code& error) { self->on_readable(error); });
}

void UdpListener::on_readable(const std::error_code& error) {
    if (owner_ == nullptr || error == asio::error::operation_aborted) return;
    if (error) {
        ++owner_->udp_counters().receive_errors;
        wait_readable();
        return;
    }
    switch (drain()) {
        case Drain::detached:
            return;
        case Drain::empty:
            // Asio re-arms the descriptor for the wait (an epoll_ctl), so a
            // datagram that came after the short batch is not missed.
            wait_readable();
            return;
        case Drain::more:
            // Datagrams are still waiting: come back for them after the
            // other handlers and timers had their turn.
            asio::post(socket_.get_executor(),
                       [self = shared_from_this()] { self->on_readable({}); });
            return;
    }
}

UdpListener::Drain UdpListener::drain() {
    std::array<mmsghdr, kBatch> headers{};
    std::array<iovec, kBatch> vectors{};
    std::size_t read = 0;
    while (read < kMaxDatagramsPerWakeup) {
        for (std::size_t i = 0; i < kBatch; ++i) {
            Slot& slot = (*slots_)[i];
            vectors[i] = iovec{slot.bytes.data(), slot.bytes.size()};
            headers[i].msg_hdr = msghdr{};
            headers[i].msg_hdr.msg_name = &slot.source;
            headers[i].msg_hdr.msg_namelen = sizeof slot.source;
            headers[i].msg_hdr.msg_iov = &vectors[i];
            headers[i].msg_hdr.msg_iovlen = 1;
        }
        const int count =
            ::recvmmsg(socket_.native_handle(), headers.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (count < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return Drain::empty;
            // Errors on an unconnected UDP socket concern one datagram (an
            // ICMP report); the socket itself stays usable. Each failed call
            // counts against the wake-up's bound, so the loop ends.
            if (errno != EINTR) ++owner_->udp_counters().receive_errors;
            ++read;
            continue;
        }
        for (int i = 0; i < count; ++i) {
            if (!deliver(static_cast<std::size_t>(i), headers[i].msg_len)) return Drain::detached;
        }
        // A short batch means the receive queue was empty when it was read.
        if (static_cast<std::size_t>(count) < kBatch) return Drain::empty;
        read += static_cast<std::size_t>(count);
    }
    return Drain::more;
}

bool UdpListener::deliver(std::size_t slot, std::size_t bytes) {
    const Slot& from = (*slots_)[slot];
    asio::ip::udp::endpoint source;
    const std::size_t length =
        from.source.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    std::memcpy(source.data(), &from.source, length);
    owner_->on_datagram(*this, std::string_view{from.bytes.data(), bytes}, from_asio(source));
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
