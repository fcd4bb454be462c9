#include "app/listeners.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

namespace tandem::app {

std::vector<transport::IpAddress> interface_addresses() {
    std::vector<transport::IpAddress> addresses;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return addresses;
    const std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> owner(list, &freeifaddrs);
    for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
        if (entry->ifa_addr == nullptr || (entry->ifa_flags & IFF_UP) == 0) continue;
        if (entry->ifa_addr->sa_family == AF_INET) {
            sockaddr_in address;
            std::memcpy(&address, entry->ifa_addr, sizeof(address));
            std::array<std::uint8_t, 4> bytes;
            std::memcpy(bytes.data(), &address.sin_addr, bytes.size());
            addresses.push_back(transport::IpAddress::v4(bytes));
        } else if (entry->ifa_addr->sa_family == AF_INET6) {
            sockaddr_in6 address;
            std::memcpy(&address, entry->ifa_addr, sizeof(address));
            std::array<std::uint8_t, 16> bytes;
            std::memcpy(bytes.data(), &address.sin6_addr, bytes.size());
            const bool link_local = bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80;
            if (!link_local) addresses.push_back(transport::IpAddress::v6(bytes));
        }
    }
    return addresses;
}

Result<std::vector<transport::Endpoint>> listener_endpoints(
    const std::vector<script::SocketAddress>& listens, const proxy::Resolver& resolver,
    const std::vector<transport::IpAddress>& interfaces) {
    std::vector<transport::Endpoint> endpoints;
    const auto add = [&](const transport::Endpoint& endpoint) {
        if (std::find(endpoints.begin(), endpoints.end(), endpoint) == endpoints.end()) {
            endpoints.push_back(endpoint);
        }
    };
    if (listens.empty()) {
        add({transport::Protocol::udp, transport::IpAddress::loopback_v4(), 5060});
        add({transport::Protocol::tcp, transport::IpAddress::loopback_v4(), 5060});
        return endpoints;
    }
    for (const script::SocketAddress& listen : listens) {
        const auto protocol = transport::parse_protocol(listen.transport);
        if (!protocol) {
            return make_error("listen " + listen.to_string() + ": transport '" + listen.transport +
                                  "' is not supported yet (udp and tcp are)",
                              0);
        }
        transport::IpAddress address;
        if (listen.host == "*") {
            address = transport::IpAddress::any_v4();
        } else {
            auto resolved = resolver.resolve(listen.host);
            if (!resolved) {
                return make_error("listen " + listen.to_string() + ": '" + listen.host +
                                      "' is neither an address nor a name in /etc/hosts",
                                  0);
            }
            address = *resolved;
        }
        if (!address.is_unspecified()) {
            add({*protocol, address, listen.port});
            continue;
        }
        // A wildcard: one listener per interface address of that family.
        bool any = false;
        for (const transport::IpAddress& local : interfaces) {
            if (local.family() != address.family()) continue;
            add({*protocol, local, listen.port});
            any = true;
        }
        if (!any) {
            return make_error("listen " + listen.to_string() + ": no interface address to bind", 0);
        }
    }
    return endpoints;
}

}  // namespace tandem::app
