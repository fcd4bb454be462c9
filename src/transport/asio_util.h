// Internal to the transport layer: conversions between Endpoint and Asio's
// address types, and the SO_REUSEPORT socket option Asio does not name.
#pragma once

#include <sys/socket.h>

#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <system_error>

#include "base/result.h"
#include "transport/endpoint.h"

namespace tandem::transport::detail {

asio::ip::address to_asio(const IpAddress& address);

// An IPv4-mapped IPv6 address (::ffff:192.0.2.1) comes back as plain IPv4,
// so one peer has one Endpoint whichever socket it reached.
IpAddress from_asio(const asio::ip::address& address);

template <typename InternetProtocol>
typename InternetProtocol::endpoint to_asio_endpoint(const Endpoint& endpoint) {
    return {to_asio(endpoint.address), endpoint.port};
}

inline Endpoint from_asio(const asio::ip::udp::endpoint& endpoint) {
    return {Protocol::udp, from_asio(endpoint.address()), endpoint.port()};
}

inline Endpoint from_asio(const asio::ip::tcp::endpoint& endpoint) {
    return {Protocol::tcp, from_asio(endpoint.address()), endpoint.port()};
}

// An error from the socket API as an Error the layers above can show.
Error socket_error(std::string_view what, const std::error_code& code, int status = 503);

// SO_REUSEPORT: several sockets of the same user bind one address and port,
// and the kernel spreads datagrams and incoming connections over them. Models
// Asio's SettableSocketOption.
class ReusePort {
  public:
    explicit ReusePort(bool enabled) : value_(enabled ? 1 : 0) {}

    template <typename Protocol>
    int level(const Protocol&) const {
        return SOL_SOCKET;
    }
    template <typename Protocol>
    int name(const Protocol&) const {
        return SO_REUSEPORT;
    }
    template <typename Protocol>
    const int* data(const Protocol&) const {
        return &value_;
    }
    template <typename Protocol>
    std::size_t size(const Protocol&) const {
        return sizeof(value_);
    }

  private:
    int value_;
};

}  // namespace tandem::transport::detail
