#include "script/config.h"

#include <array>

#include "base/strings.h"
#include "sip/uri.h"

namespace tandem::script {
namespace {

constexpr std::array<std::string_view, 5> kSipTransports = {"udp", "tcp", "tls", "ws", "wss"};

std::optional<std::string> known_transport(std::string_view token) {
    for (std::string_view transport : kSipTransports) {
        if (iequals(token, transport)) return std::string(transport);
    }
    return std::nullopt;
}

std::uint16_t default_port(std::string_view transport) {
    return (transport == "tls" || transport == "wss") ? 5061 : 5060;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_word(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text) {
        if (!is_alpha(c)) return false;
    }
    return true;
}

bool is_ipv4(std::string_view text) {
    int parts = 0;
    while (true) {
        const std::size_t dot = text.find('.');
        const std::string_view part = text.substr(0, dot);
        if (part.size() > 3 || !parse_uint(part, 255)) return false;
        ++parts;
        if (dot == std::string_view::npos) break;
        text.remove_prefix(dot + 1);
    }
    return parts == 4;
}

bool is_ipv6(std::string_view text) {
    if (text.find(':') == std::string_view::npos) return false;
    for (char c : text) {
        const bool hex = is_digit(c) || (ascii_lower(c) >= 'a' && ascii_lower(c) <= 'f');
        if (!hex && c != ':' && c != '.') return false;
    }
    return true;
}

// A host name, an interface name ("eth0") or "*" for every address.
bool is_host_name(std::string_view text) {
    if (text == "*") return true;
    if (text.empty()) return false;
    bool all_numeric = true;
    for (char c : text) {
        if (!is_digit(c) && !is_alpha(c) && c != '.' && c != '-' && c != '_') return false;
        if (!is_digit(c) && c != '.') all_numeric = false;
    }
    // Digits and dots only must be a valid dotted quad, not a "name".
    return !all_numeric || is_ipv4(text);
}

struct HostPort {
    std::string host;
    std::optional<std::uint16_t> port;
};

// "host", "host:port", "[v6]", "[v6]:port".
Result<HostPort> parse_host_port(std::string_view text) {
    HostPort result;
    std::string_view rest;
    if (!text.empty() && text.front() == '[') {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos) return make_error("unterminated IPv6 address");
        const std::string_view address = text.substr(1, close - 1);
        if (!is_ipv6(address)) return make_error("bad IPv6 address '" + std::string(address) + "'");
        result.host = std::string(address);
        rest = text.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') {
            return make_error("unexpected text after the IPv6 address");
        }
    } else {
        const std::size_t colon = text.find(':');
        if (colon != std::string_view::npos &&
            text.find(':', colon + 1) != std::string_view::npos) {
            return make_error("IPv6 addresses must be written in brackets, e.g. [::1]");
        }
        const std::string_view host = text.substr(0, colon);
        if (!is_host_name(host)) {
            return make_error("bad host '" + std::string(host) + "'");
        }
        result.host = std::string(host);
        rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon);
    }
    if (!rest.empty()) {
        const std::string_view digits = rest.substr(1);
        const auto port = parse_uint(digits, 65535);
        if (!port || *port == 0) return make_error("bad port '" + std::string(digits) + "'");
        result.port = static_cast<std::uint16_t>(*port);
    }
    return result;
}

}  // namespace

std::string SocketAddress::to_string() const {
    std::string text = transport;
    text += ':';
    if (is_ipv6()) {
        text += '[';
        text += host;
        text += ']';
    } else {
        text += host;
    }
    text += ':';
    text += std::to_string(port);
    return text;
}

Result<SocketAddress> parse_socket_address(std::string_view text) {
    SocketAddress address;
    address.transport = "udp";
    const std::size_t colon = text.find(':');
    if (colon != std::string_view::npos) {
        const std::string_view prefix = text.substr(0, colon);
        if (auto transport = known_transport(prefix)) {
            address.transport = std::move(*transport);
            text.remove_prefix(colon + 1);
        } else if (is_word(prefix) && !parse_uint(text.substr(colon + 1), 65535)) {
            // "sctp:10.0.0.1:5060" names a transport, where "localhost:5060"
            // is a host and a port.
            return make_error("unknown transport '" + std::string(prefix) + "'");
        }
    }
    auto host_port = parse_host_port(text);
    if (!host_port) return host_port.error();
    address.host = std::move(host_port->host);
    address.port = host_port->port.value_or(default_port(address.transport));
    return address;
}

Result<SocketAddress> parse_http_address(std::string_view text) {
    auto host_port = parse_host_port(text);
    if (!host_port) return host_port.error();
    if (!host_port->port) return make_error("a port is required, e.g. 127.0.0.1:8888");
    return SocketAddress{"http", std::move(host_port->host), *host_port->port};
}

Result<SocketAddress> parse_destination(std::string_view text) {
    if (text.size() > 4 &&
        (iequals(text.substr(0, 4), "sip:") || iequals(text.substr(0, 5), "sips:"))) {
        auto uri = sip::parse_uri(text);
        if (!uri) return make_error("bad destination URI: " + uri.error().reason);
        const bool secure = uri->scheme == sip::UriScheme::Sips;
        SocketAddress address;
        address.transport = secure ? "tls" : "udp";
        if (auto transport = uri->transport()) {
            auto known = known_transport(*transport);
            if (!known) return make_error("unknown transport '" + std::string(*transport) + "'");
            address.transport = std::move(*known);
        }
        address.host = std::string(uri->host_address());
        address.port = uri->port.value_or(default_port(address.transport));
        return address;
    }
    return parse_socket_address(text);
}

const ParamValue* ScriptConfig::param(std::string_view module, std::string_view name) const {
    const auto module_it = modparams.find(module);
    if (module_it == modparams.end()) return nullptr;
    const auto param_it = module_it->second.find(name);
    return param_it == module_it->second.end() ? nullptr : &param_it->second;
}

std::optional<std::int64_t> ScriptConfig::integer_param(std::string_view module,
                                                        std::string_view name) const {
    const ParamValue* value = param(module, name);
    if (value == nullptr) return std::nullopt;
    const auto* integer = std::get_if<std::int64_t>(value);
    return integer == nullptr ? std::nullopt : std::optional<std::int64_t>(*integer);
}

std::optional<std::string_view> ScriptConfig::string_param(std::string_view module,
                                                           std::string_view name) const {
    const ParamValue* value = param(module, name);
    if (value == nullptr) return std::nullopt;
    const auto* text = std::get_if<std::string>(value);
    return text == nullptr ? std::nullopt : std::optional<std::string_view>(*text);
}

}  // namespace tandem::script
