// Transport addresses: an IP address, a port and a transport protocol, as one
// value type that prints and parses as `udp:127.0.0.1:5060` or
// `tcp:[::1]:5060`. No socket library appears here, so layers above the
// transport can store and compare endpoints without pulling in Asio.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace tandem::transport {

enum class Protocol : std::uint8_t { udp, tcp };

// "udp" / "tcp", the spelling used in Endpoint text.
std::string_view to_string(Protocol protocol);

// Accepts the Via transport token in any case ("UDP", "tcp" ...).
std::optional<Protocol> parse_protocol(std::string_view text);

// An IPv4 or IPv6 address held as bytes. IPv6 link-local addresses carry a
// numeric scope (interface index), written `fe80::1%2`.
class IpAddress {
  public:
    enum class Family : std::uint8_t { v4, v6 };

    // 0.0.0.0
    IpAddress() = default;

    static IpAddress v4(const std::array<std::uint8_t, 4>& bytes);
    static IpAddress v6(const std::array<std::uint8_t, 16>& bytes, std::uint32_t scope_id = 0);
    static IpAddress loopback_v4() { return v4({127, 0, 0, 1}); }
    static IpAddress loopback_v6();
    static IpAddress any_v4() { return IpAddress{}; }
    static IpAddress any_v6() { return v6({}); }

    // Dotted IPv4 or textual IPv6, without brackets; `%<digits>` scope allowed
    // on IPv6. Host names are not addresses and are rejected.
    static Result<IpAddress> parse(std::string_view text);

    Family family() const { return family_; }
    bool is_v4() const { return family_ == Family::v4; }
    bool is_v6() const { return family_ == Family::v6; }
    bool is_unspecified() const;
    bool is_loopback() const;
    std::uint32_t scope_id() const { return scope_id_; }

    // 4 bytes for IPv4, 16 for IPv6, network order.
    const std::uint8_t* data() const { return bytes_.data(); }
    std::size_t size() const { return is_v4() ? 4 : 16; }

    // `127.0.0.1`, `::1`: the form of a Via `received` parameter.
    std::string to_string() const;
    // `127.0.0.1`, `[::1]`: the form of the host part of a URI or sent-by.
    std::string to_uri_host() const;

    friend bool operator==(const IpAddress&, const IpAddress&) = default;

  private:
    std::array<std::uint8_t, 16> bytes_{};
    std::uint32_t scope_id_ = 0;
    Family family_ = Family::v4;
};

struct Endpoint {
    Protocol protocol = Protocol::udp;
    IpAddress address;
    std::uint16_t port = 0;

    // `udp:127.0.0.1:5060`, `tcp:[::1]:5060` (the protocol is case-insensitive,
    // the port is required, IPv6 must be bracketed).
    static Result<Endpoint> parse(std::string_view text);

    // From the pieces of a Via or URI: transport token (`UDP`, `tcp`), host as
    // an IP literal (IPv6 with or without brackets), and port.
    static Result<Endpoint> from_parts(std::string_view transport, std::string_view host,
                                       std::uint16_t port);

    std::string to_string() const;

    friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

std::ostream& operator<<(std::ostream& out, Protocol protocol);
std::ostream& operator<<(std::ostream& out, const IpAddress& address);
std::ostream& operator<<(std::ostream& out, const Endpoint& endpoint);

}  // namespace tandem::transport

template <>
struct std::hash<tandem::transport::IpAddress> {
    std::size_t operator()(const tandem::transport::IpAddress& address) const noexcept;
};

template <>
struct std::hash<tandem::transport::Endpoint> {
    std::size_t operator()(const tandem::transport::Endpoint& endpoint) const noexcept;
};
