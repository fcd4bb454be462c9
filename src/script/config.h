// What the top level of a script declares: listeners, the management
// listener, module parameters and the named routes it defines. The app reads
// a ScriptConfig after loading the script and starts the server from it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "script/types.h"

namespace tandem::script {

// A transport address: "udp:127.0.0.1:5060", "tcp:[::1]:5060".
struct SocketAddress {
    std::string transport;  // lower case: udp, tcp, tls, ws, wss (http for mi_listen)
    std::string host;       // IPv4, IPv6 without brackets, a host or interface name, or "*"
    std::uint16_t port = 0;

    bool is_ipv6() const { return host.find(':') != std::string::npos; }
    // "transport:host:port" with IPv6 hosts in brackets.
    std::string to_string() const;

    friend bool operator==(const SocketAddress&, const SocketAddress&) = default;
};

// Parses "[transport:]host[:port]" as listen() takes it. The transport
// defaults to udp, the port to 5060 (5061 for tls and wss); IPv6 addresses
// must be in brackets.
Result<SocketAddress> parse_socket_address(std::string_view text);

// Parses "host:port" as mi_listen() takes it; the port is required and the
// transport is "http".
Result<SocketAddress> parse_http_address(std::string_view text);

// Parses a destination as a script sets it (msg.dst): either
// "[transport:]host[:port]" or a sip/sips URI, whose transport parameter,
// host and port are used ("sip:10.0.0.2:5080;transport=tcp").
Result<SocketAddress> parse_destination(std::string_view text);

class ScriptConfig {
  public:
    using ModuleParams = std::map<std::string, ParamValue, std::less<>>;

    // listen(): SIP listeners, in script order.
    std::vector<SocketAddress> listens;
    // mi_listen(): management (JSON-RPC over HTTP) listeners.
    std::vector<SocketAddress> mi_listens;
    // Every parameter of every registered module: the value modparam() set,
    // else the module's declared default. module -> parameter -> value.
    std::map<std::string, ModuleParams, std::less<>> modparams;
    // Names given to route() and event_route(), in definition order.
    std::vector<std::string> routes;
    std::vector<std::string> event_routes;

    // nullptr when the module or parameter is unknown.
    const ParamValue* param(std::string_view module, std::string_view name) const;
    // nullopt when unknown or of the other type.
    std::optional<std::int64_t> integer_param(std::string_view module, std::string_view name) const;
    std::optional<std::string_view> string_param(std::string_view module,
                                                 std::string_view name) const;

    friend bool operator==(const ScriptConfig&, const ScriptConfig&) = default;
};

}  // namespace tandem::script
