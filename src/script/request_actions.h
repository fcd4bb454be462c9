// The message a route works on, and what the script asked to be done with
// it. The script never rewrites the received message: setters on `msg` and
// the functions the proxy exports (t_relay, send_reply, drop, append_hf ...)
// record their wishes in RequestActions, and the proxy applies them after the
// route returns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "script/config.h"

namespace tandem::sip {
class Message;
}

namespace tandem::script {

// Where a message came from (msg.src_ip, msg.src_port, msg.proto).
struct MessageOrigin {
    std::string_view address;  // "192.0.2.7", "2001:db8::7" (no brackets)
    std::uint16_t port = 0;
    std::string_view transport;  // lower case: "udp", "tcp", "tls", "ws", "wss"
};

// A reply the script asked to send (send_reply(404, "Not Found")).
struct ReplyAction {
    int status = 0;
    std::string reason;

    friend bool operator==(const ReplyAction&, const ReplyAction&) = default;
};

struct RequestActions {
    // msg.ruri = "...": the Request-URI to relay to (already validated as a URI).
    std::optional<std::string> request_uri;
    // msg.dst = "...": where to send, overriding the Request-URI and Route set.
    std::optional<SocketAddress> destination;
    // Complete header lines to add, without line terminator ("X-Foo: bar").
    std::vector<std::string> headers_to_add;
    // Names of headers to remove (all their lines).
    std::vector<std::string> headers_to_remove;
    // Send this reply (statelessly or on the transaction, as the proxy decides).
    std::optional<ReplyAction> reply;
    // Relay the request (t_relay); the proxy records the outcome of its own
    // checks elsewhere.
    bool relay = false;
    // Drop the message silently.
    bool drop = false;

    friend bool operator==(const RequestActions&, const RequestActions&) = default;
};

// Everything a message route needs: the message, its origin and the actions
// the route fills in. The message and the actions must outlive the route call.
struct RoutedMessage {
    const sip::Message& message;
    MessageOrigin origin;
    RequestActions& actions;
};

}  // namespace tandem::script
