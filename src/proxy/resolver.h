// Turning the host of a next hop into an address without blocking the
// worker: IP literals are parsed, host names are looked up in a copy of
// /etc/hosts read at start-up (and again on reload). There is no DNS on the
// message path: a name that is not in the hosts file does not resolve, and
// the proxy answers 478. See docs/proxy.md, "Destinations".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/result.h"
#include "sip/uri.h"
#include "transport/endpoint.h"

namespace tandem::proxy {

// The name-to-address entries of a hosts file (hosts(5) syntax: an address,
// then names; '#' starts a comment). Names compare case-insensitively; the
// first address of each family given for a name wins, as the C library's
// "files" lookup does.
class HostsTable {
  public:
    HostsTable() = default;

    static HostsTable parse(std::string_view text);
    // Reads and parses a file; fails when it cannot be read.
    static Result<HostsTable> load(const std::string& path);

    // The IPv4 address of `name` when it has one, else its IPv6 address.
    std::optional<transport::IpAddress> find(std::string_view name) const;
    std::size_t size() const { return entries_.size(); }

  private:
    struct Addresses {
        std::optional<transport::IpAddress> v4;
        std::optional<transport::IpAddress> v6;
    };
    std::unordered_map<std::string, Addresses> entries_;  // lower-case names
};

class Resolver {
  public:
    Resolver() = default;
    explicit Resolver(HostsTable hosts) : hosts_(std::move(hosts)) {}

    // An IPv4 or IPv6 literal (with or without brackets), or a name of the
    // hosts table. Fails with 478 "Unresolvable destination" otherwise.
    Result<transport::IpAddress> resolve(std::string_view host) const;

    const HostsTable& hosts() const { return hosts_; }

  private:
    HostsTable hosts_;
};

// Where a request for `uri` goes when no Route or explicit destination says
// otherwise (RFC 3263 without NAPTR and SRV): the maddr parameter if any,
// else the host; the port, else 5060; the transport parameter (udp or tcp),
// else UDP. sips URIs and the tls/sctp/ws transports need a transport Tandem
// does not have yet: 503. Non-SIP URIs: 416.
Result<transport::Endpoint> uri_destination(const sip::Uri& uri, const Resolver& resolver);

// A destination as the script gives it (t_relay("tcp:10.0.0.2:5080"), msg.dst):
// a transport word (udp or tcp), a host (literal or hosts name) and a port.
Result<transport::Endpoint> address_destination(std::string_view transport, std::string_view host,
                                                std::uint16_t port, const Resolver& resolver);

}  // namespace tandem::proxy
