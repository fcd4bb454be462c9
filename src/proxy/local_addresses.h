// The addresses this server listens on, and the questions the proxy asks
// about them: does a URI or a Via name us, which listener does a message to
// a destination leave from, and what do we write into Via and Record-Route.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/resolver.h"
#include "sip/headers.h"
#include "sip/uri.h"
#include "transport/endpoint.h"

namespace tandem::proxy {

class LocalAddresses {
  public:
    LocalAddresses() = default;
    // `listeners` as the transport bound them (ports resolved). Listeners on
    // a wildcard address (0.0.0.0, ::) answer for every loopback address;
    // Via and Record-Route then advertise the address a message arrived on.
    explicit LocalAddresses(std::vector<transport::Endpoint> listeners)
        : listeners_(std::move(listeners)) {}

    std::span<const transport::Endpoint> listeners() const { return listeners_; }

    // Whether `uri` (a Route entry, a Request-URI) names this server: a SIP
    // URI whose host (maddr ignored) resolves to one of our addresses and
    // whose port (5060 when absent) is that listener's port. The transport
    // is not compared: a UDP and a TCP listener usually share a port.
    bool is_local_uri(const sip::Uri& uri, const Resolver& resolver) const;

    // Whether a Via's sent-by is one of ours (an IP literal of a listener
    // and its port, 5060 when absent).
    bool is_local_sent_by(const sip::Via& via) const;

    // The listener a message to `destination` leaves from: same protocol
    // and address family, preferring `preferred` (the address the request
    // arrived on) when it fits. nullopt when none fits.
    std::optional<transport::Endpoint> listener_for(
        const transport::Endpoint& destination,
        const std::optional<transport::Endpoint>& preferred = std::nullopt) const;

  private:
    bool matches(const transport::IpAddress& address, std::uint16_t port) const;
    std::vector<transport::Endpoint> listeners_;
};

// How a listener names itself in headers. `arrived_on` replaces a wildcard
// listener address (the address a request was received on).
std::string advertised_host(const transport::Endpoint& listener,
                            const std::optional<transport::Endpoint>& arrived_on = std::nullopt);

// "SIP/2.0/UDP 192.0.2.1:5060;branch=<branch>" for a listener.
std::string via_value(const transport::Endpoint& listener, std::string_view host,
                      std::string_view branch);

// "<sip:192.0.2.1:5060;lr>" or "<sip:192.0.2.1:5060;transport=tcp;lr>": the
// Record-Route entry of a listener (RFC 3261 16.6 item 4, loose routing).
std::string record_route_value(const transport::Endpoint& listener, std::string_view host);

}  // namespace tandem::proxy
