// The SIP listeners the server opens, from the script's listen()
// statements: the addresses resolved (IP literals, or names of the hosts
// file) and wildcard addresses expanded into one listener per interface
// address, so every listener knows the address it advertises in Via and
// Record-Route. Without any listen() the server listens on 127.0.0.1:5060
// over UDP and TCP.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "proxy/resolver.h"
#include "script/config.h"
#include "transport/endpoint.h"

namespace tandem::app {

// The addresses of this host's network interfaces (up ones; IPv6
// link-local addresses left out, they need a scope a SIP URI cannot carry).
std::vector<transport::IpAddress> interface_addresses();

// Fails on a transport Tandem does not serve yet (tls, ws, wss) or a host
// that does not resolve. Duplicates after expansion are dropped.
Result<std::vector<transport::Endpoint>> listener_endpoints(
    const std::vector<script::SocketAddress>& listens, const proxy::Resolver& resolver,
    const std::vector<transport::IpAddress>& interfaces);

}  // namespace tandem::app
