// Addresses as text on the message path. The same spelling as
// transport::IpAddress::to_string and Endpoint::to_string, without going
// through inet_ntop, whose IPv4 branch formats with sprintf (a measurable
// share of a proxied call's CPU).
#pragma once

#include <string>

#include "transport/endpoint.h"

namespace tandem::proxy {

// "192.0.2.1", "2001:db8::1".
std::string address_text(const transport::IpAddress& address);
// "192.0.2.1", "[2001:db8::1]": the host of a URI or sent-by.
std::string uri_host_text(const transport::IpAddress& address);
// "udp:192.0.2.1:5060", "tcp:[2001:db8::1]:5060".
std::string endpoint_text(const transport::Endpoint& endpoint);

}  // namespace tandem::proxy
