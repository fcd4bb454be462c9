#include "proxy/local_addresses.h"

#include "base/strings.h"
#include "proxy/address_text.h"

namespace tandem::proxy {

bool LocalAddresses::matches(const transport::IpAddress& address, std::uint16_t port) const {
    for (const transport::Endpoint& listener : listeners_) {
        if (listener.port != port) continue;
        if (listener.address == address) return true;
        if (listener.address.is_unspecified() && listener.address.family() == address.family() &&
            address.is_loopback()) {
            return true;
        }
    }
    return false;
}

bool LocalAddresses::is_local_uri(const sip::Uri& uri, const Resolver& resolver) const {
    if (!uri.is_sip()) return false;
    const auto address = resolver.resolve(uri.host);
    if (!address) return false;
    const std::uint16_t default_port = uri.scheme == sip::UriScheme::Sips ? 5061 : 5060;
    return matches(*address, uri.port.value_or(default_port));
}

bool LocalAddresses::is_local_sent_by(const sip::Via& via) const {
    if (via.host_kind != sip::HostKind::IPv4 && via.host_kind != sip::HostKind::IPv6) {
        return false;
    }
    std::string_view host = via.host;
    if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    const auto address = transport::IpAddress::parse(host);
    if (!address) return false;
    return matches(*address, via.port.value_or(5060));
}

std::optional<transport::Endpoint> LocalAddresses::listener_for(
    const transport::Endpoint& destination,
    const std::optional<transport::Endpoint>& preferred) const {
    const auto fits = [&](const transport::Endpoint& listener) {
        return listener.protocol == destination.protocol &&
               listener.address.family() == destination.address.family();
    };
    if (preferred) {
        for (const transport::Endpoint& listener : listeners_) {
            if (fits(listener) && listener.address == preferred->address &&
                listener.port == preferred->port) {
                return listener;
            }
        }
        // The same address and port under the other protocol (a request
        // that came over UDP leaving over TCP keeps its interface).
        for (const transport::Endpoint& listener : listeners_) {
            if (fits(listener) && listener.address == preferred->address) return listener;
        }
    }
    for (const transport::Endpoint& listener : listeners_) {
        if (fits(listener)) return listener;
    }
    return std::nullopt;
}

std::string advertised_host(const transport::Endpoint& listener,
                            const std::optional<transport::Endpoint>& arrived_on) {
    if (listener.address.is_unspecified() && arrived_on && !arrived_on->address.is_unspecified()) {
        return uri_host_text(arrived_on->address);
    }
    if (listener.address.is_unspecified()) {
        return uri_host_text(listener.address.is_v4() ? transport::IpAddress::loopback_v4()
                                                      : transport::IpAddress::loopback_v6());
    }
    return uri_host_text(listener.address);
}

std::string via_value(const transport::Endpoint& listener, std::string_view host,
                      std::string_view branch) {
    std::string via = "SIP/2.0/";
    via += listener.protocol == transport::Protocol::tcp ? "TCP " : "UDP ";
    via += host;
    via += ':';
    via += std::to_string(listener.port);
    via += ";branch=";
    via += branch;
    return via;
}

std::string record_route_value(const transport::Endpoint& listener, std::string_view host) {
    std::string value = "<sip:";
    value += host;
    value += ':';
    value += std::to_string(listener.port);
    if (listener.protocol == transport::Protocol::tcp) value += ";transport=tcp";
    value += ";lr>";
    return value;
}

}  // namespace tandem::proxy
