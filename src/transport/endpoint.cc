#include "transport/endpoint.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <ostream>

#include "base/strings.h"

namespace tandem::transport {

namespace {

// Longest textual IPv6 address inet_pton accepts (with an embedded IPv4 tail)
// plus the terminating NUL; anything longer cannot be an address.
constexpr std::size_t kMaxAddressText = 46;

}  // namespace

std::string_view to_string(Protocol protocol) {
    switch (protocol) {
        case Protocol::udp:
            return "udp";
        case Protocol::tcp:
            return "tcp";
    }
    return "unknown";
}

std::optional<Protocol> parse_protocol(std::string_view text) {
    if (iequals(text, "udp")) return Protocol::udp;
    if (iequals(text, "tcp")) return Protocol::tcp;
    return std::nullopt;
}

IpAddress IpAddress::v4(const std::array<std::uint8_t, 4>& bytes) {
    IpAddress address;
    std::copy(bytes.begin(), bytes.end(), address.bytes_.begin());
    address.family_ = Family::v4;
    return address;
}

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& bytes, std::uint32_t scope_id) {
    IpAddress address;
    address.bytes_ = bytes;
    address.scope_id_ = scope_id;
    address.family_ = Family::v6;
    return address;
}

IpAddress IpAddress::loopback_v6() {
    std::array<std::uint8_t, 16> bytes{};
    bytes[15] = 1;
    return v6(bytes);
}

bool IpAddress::is_unspecified() const {
    return std::all_of(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(size()),
                       [](std::uint8_t b) { return b == 0; });
}

bool IpAddress::is_loopback() const {
    if (is_v4()) return bytes_[0] == 127;
    return *this == loopback_v6();
}

Result<IpAddress> IpAddress::parse(std::string_view text) {
    // inet_pton needs a NUL-terminated string; copy into a small local buffer
    // so parsing an address never allocates.
    std::string_view scope_text;
    if (const auto percent = text.find('%'); percent != std::string_view::npos) {
        scope_text = text.substr(percent + 1);
        text = text.substr(0, percent);
        if (scope_text.empty()) return make_error("empty IPv6 scope");
    }
    if (text.empty() || text.size() >= kMaxAddressText) {
        return make_error("not an IP address");
    }
    char buffer[kMaxAddressText];
    std::memcpy(buffer, text.data(), text.size());
    buffer[text.size()] = '\0';

    if (text.find(':') == std::string_view::npos) {
        if (!scope_text.empty()) return make_error("scope on an IPv4 address");
        std::array<std::uint8_t, 4> bytes{};
        if (inet_pton(AF_INET, buffer, bytes.data()) != 1) return make_error("not an IP address");
        return v4(bytes);
    }
    std::array<std::uint8_t, 16> bytes{};
    if (inet_pton(AF_INET6, buffer, bytes.data()) != 1) return make_error("not an IP address");
    std::uint32_t scope_id = 0;
    if (!scope_text.empty()) {
        const auto parsed = parse_uint(scope_text);
        if (!parsed) return make_error("IPv6 scope must be an interface number");
        scope_id = static_cast<std::uint32_t>(*parsed);
    }
    return v6(bytes, scope_id);
}

std::string IpAddress::to_string() const {
    if (is_v4()) {
        // Written by hand: inet_ntop formats IPv4 with sprintf, and this runs
        // for most requests (the received= of the top Via).
        std::string result;
        result.reserve(15);
        for (std::size_t i = 0; i < 4; ++i) {
            if (i != 0) result += '.';
            const unsigned octet = bytes_[i];
            if (octet >= 100) result += static_cast<char>('0' + octet / 100);
            if (octet >= 10) result += static_cast<char>('0' + octet / 10 % 10);
            result += static_cast<char>('0' + octet % 10);
        }
        return result;
    }
    char buffer[INET6_ADDRSTRLEN];
    const char* text = inet_ntop(AF_INET6, bytes_.data(), buffer, sizeof(buffer));
    // inet_ntop only fails for an unknown family or a short buffer, neither
    // of which can happen here.
    std::string result = text != nullptr ? text : "";
    if (is_v6() && scope_id_ != 0) {
        result += '%';
        result += std::to_string(scope_id_);
    }
    return result;
}

std::string IpAddress::to_uri_host() const {
    if (is_v4()) return to_string();
    std::string host = "[";
    host += to_string();
    host += ']';
    return host;
}

Result<Endpoint> Endpoint::parse(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) return make_error("endpoint needs protocol:host:port");
    const std::string_view protocol_text = text.substr(0, colon);
    std::string_view rest = text.substr(colon + 1);

    std::string_view host;
    std::string_view port_text;
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string_view::npos) return make_error("unterminated IPv6 bracket");
        host = rest.substr(0, close + 1);
        rest = rest.substr(close + 1);
        if (rest.empty() || rest.front() != ':') return make_error("endpoint needs a port");
        port_text = rest.substr(1);
    } else {
        const auto port_colon = rest.find(':');
        if (port_colon == std::string_view::npos) return make_error("endpoint needs a port");
        host = rest.substr(0, port_colon);
        port_text = rest.substr(port_colon + 1);
        // A second colon means an unbracketed IPv6 address: ambiguous.
        if (port_text.find(':') != std::string_view::npos) {
            return make_error("IPv6 address must be in brackets");
        }
    }
    const auto port = parse_uint(port_text, UINT16_MAX);
    if (!port) return make_error("bad port");
    return from_parts(protocol_text, host, static_cast<std::uint16_t>(*port));
}

Result<Endpoint> Endpoint::from_parts(std::string_view transport, std::string_view host,
                                      std::uint16_t port) {
    const auto protocol = parse_protocol(transport);
    if (!protocol) return make_error("unknown transport");
    const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
    if (bracketed) host = host.substr(1, host.size() - 2);
    auto address = IpAddress::parse(host);
    if (!address) return address.error();
    // Unbracketed IPv6 is accepted: a Via `received` parameter carries it so.
    if (bracketed && !address->is_v6()) return make_error("brackets around an IPv4 address");
    return Endpoint{*protocol, *address, port};
}

std::string Endpoint::to_string() const {
    std::string result{transport::to_string(protocol)};
    result += ':';
    result += address.to_uri_host();
    result += ':';
    result += std::to_string(port);
    return result;
}

std::ostream& operator<<(std::ostream& out, Protocol protocol) {
    return out << to_string(protocol);
}

std::ostream& operator<<(std::ostream& out, const IpAddress& address) {
    return out << address.to_string();
}

std::ostream& operator<<(std::ostream& out, const Endpoint& endpoint) {
    return out << endpoint.to_string();
}

}  // namespace tandem::transport

namespace {

// FNV-1a over the bytes that make an address distinct; good enough spread for
// connection tables, and stable across runs so tests are reproducible.
constexpr std::size_t kFnvOffset = 14695981039346656037ULL;
constexpr std::size_t kFnvPrime = 1099511628211ULL;

std::size_t mix(std::size_t digest, std::uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) {
        digest ^= static_cast<std::size_t>((value >> (8 * i)) & 0xff);
        digest *= kFnvPrime;
    }
    return digest;
}

std::size_t hash_address(std::size_t digest, const tandem::transport::IpAddress& address) {
    for (std::size_t i = 0; i < address.size(); ++i) {
        digest = mix(digest, address.data()[i], 1);
    }
    return mix(digest, address.scope_id(), 4);
}

}  // namespace

std::size_t std::hash<tandem::transport::IpAddress>::operator()(
    const tandem::transport::IpAddress& address) const noexcept {
    return hash_address(kFnvOffset, address);
}

std::size_t std::hash<tandem::transport::Endpoint>::operator()(
    const tandem::transport::Endpoint& endpoint) const noexcept {
    std::size_t digest = hash_address(kFnvOffset, endpoint.address);
    digest = mix(digest, endpoint.port, 2);
    return mix(digest, static_cast<std::uint64_t>(endpoint.protocol), 1);
}
