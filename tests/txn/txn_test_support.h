// Shared pieces of the transaction layer tests: a TU that records every
// callback, message builders, and a fixture wiring a TransactionLayer to a
// RecordingTransport and a TimerWheel on a ManualClock. Tests drive the layer
// at both boundaries: bytes in (on_message), bytes out (the transport's
// record), TU calls in, TU callbacks out; time moves only when a test says.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sip/message.h"
#include "sip/writer.h"
#include "transport/endpoint.h"
#include "transport/recording_transport.h"
#include "transport/transport.h"
#include "txn/clock.h"
#include "txn/timer_wheel.h"
#include "txn/transaction_layer.h"
#include "txn/transaction_user.h"

namespace tandem::txn::testing {

inline transport::Endpoint endpoint(std::string_view text) {
    auto parsed = transport::Endpoint::parse(text);
    EXPECT_TRUE(parsed.ok()) << text;
    return parsed.value_or(transport::Endpoint{});
}

// What the recording TU saw, in order.
struct RecordingUser final : TransactionUser {
    struct Response {
        ClientTransaction transaction;
        IncomingResponse response;
    };

    std::vector<IncomingRequest> requests;
    std::vector<Response> responses;
    std::vector<IncomingResponse> strays;
    std::vector<ServerTransaction> ack_timeouts;
    std::vector<std::pair<ServerTransaction, Error>> server_errors;
    std::vector<ServerTransaction> server_terminated;
    std::vector<ClientTransaction> client_terminated;
    std::vector<transport::ConnectionClosed> closed;
    // Optional actions run inside the callbacks (after recording), to test
    // calls back into the layer from the TU.
    std::function<void(const IncomingRequest&)> after_request;
    std::function<void(ClientTransaction, const IncomingResponse&)> after_response;
    std::function<void(ServerTransaction)> after_ack_timeout;

    void on_request(IncomingRequest request) override {
        requests.push_back(std::move(request));
        if (after_request) after_request(requests.back());
    }
    void on_response(ClientTransaction transaction, IncomingResponse response) override {
        responses.push_back(Response{transaction, std::move(response)});
        if (after_response) after_response(transaction, responses.back().response);
    }
    void on_stray_response(IncomingResponse response) override {
        strays.push_back(std::move(response));
    }
    void on_ack_timeout(ServerTransaction transaction) override {
        ack_timeouts.push_back(transaction);
        if (after_ack_timeout) after_ack_timeout(transaction);
    }
    void on_server_transport_error(ServerTransaction transaction, const Error& error) override {
        server_errors.emplace_back(transaction, error);
    }
    void on_server_terminated(ServerTransaction transaction) override {
        server_terminated.push_back(transaction);
    }
    void on_client_terminated(ClientTransaction transaction) override {
        client_terminated.push_back(transaction);
    }
    void on_connection_closed(const transport::ConnectionClosed& connection) override {
        closed.push_back(connection);
    }
};

// A request as a UA would send it. Empty strings leave a header out.
struct RequestSpec {
    std::string method = "INVITE";
    std::string uri = "sip:bob@example.com";
    std::string via = "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds";
    std::string from = "Alice <sip:alice@example.com>;tag=1928301774";
    std::string to = "Bob <sip:bob@example.com>";
    std::string call_id = "a84b4c76e66710@pc33.example.com";
    std::string cseq;   // default: "314159 <method>"
    std::string extra;  // more header lines, each ending in CRLF
    std::string body;
};

inline std::string make_request(const RequestSpec& spec) {
    std::string text = spec.method + " " + spec.uri + " SIP/2.0\r\n";
    auto line = [&](std::string_view name, const std::string& value) {
        if (!value.empty()) text.append(name).append(": ").append(value).append("\r\n");
    };
    line("Via", spec.via);
    line("Max-Forwards", "70");
    line("From", spec.from);
    line("To", spec.to);
    line("Call-ID", spec.call_id);
    line("CSeq", spec.cseq.empty() ? "314159 " + spec.method : spec.cseq);
    text += spec.extra;
    text += "Content-Length: " + std::to_string(spec.body.size()) + "\r\n\r\n" + spec.body;
    return text;
}

// A response to `request` (text) as the next hop would send it.
inline std::string make_response(std::string_view request, int status, std::string_view to_tag = {},
                                 std::string_view reason = {}) {
    auto parsed = sip::Message::parse(request);
    EXPECT_TRUE(parsed.ok());
    if (!parsed) return {};
    return sip::response_to(*parsed, status, reason, to_tag).build();
}

inline sip::Message parse(std::string_view text) {
    auto parsed = sip::Message::parse(text);
    EXPECT_TRUE(parsed.ok()) << text;
    return std::move(parsed).value();
}

inline int status_of_text(std::string_view response) {
    return parse(response).status_code();
}

inline std::string first_line(std::string_view message) {
    return std::string(message.substr(0, message.find('\r')));
}

class LayerTest : public ::testing::Test {
  protected:
    static LayerOptions default_options() {
        LayerOptions options;
        options.branch_seed = 42;
        return options;
    }

    explicit LayerTest(LayerOptions options = default_options())
        : wheel(clock), layer(transport, wheel, user, options) {}

    // Moves the clock by `by` and runs the timers due.
    void advance(Duration by) {
        clock.advance(by);
        wheel.advance(clock.now());
    }
    // Runs the timers due now (zero-delay ones included).
    void run_due() { wheel.advance(clock.now()); }

    void receive(std::string_view bytes, const transport::Endpoint& from = kClient,
                 transport::ConnectionId connection = {}) {
        transport::ReceivedMessage message;
        message.bytes = bytes;
        message.source = from;
        message.local = from.protocol == transport::Protocol::tcp ? kLocalTcp : kLocal;
        message.connection = connection;
        layer.on_message(message);
    }

    // Receives `request` and makes a server transaction for it, as a TU would.
    ServerTransaction receive_and_create(std::string_view request,
                                         const transport::Endpoint& from = kClient,
                                         transport::ConnectionId connection = {}) {
        const std::size_t before = user.requests.size();
        receive(request, from, connection);
        EXPECT_EQ(user.requests.size(), before + 1);
        if (user.requests.size() != before + 1) return {};
        auto created = layer.create_server(user.requests.back());
        EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().reason);
        return created.value_or(ServerTransaction{});
    }

    std::size_t sent_count() const { return transport.sent().size(); }
    const transport::RecordingTransport::Sent& last_sent() const { return transport.sent().back(); }
    std::string last_sent_line() const {
        return transport.sent().empty() ? std::string() : first_line(last_sent().bytes);
    }
    // First lines of everything sent since index `from`.
    std::vector<std::string> sent_lines(std::size_t from = 0) const {
        std::vector<std::string> lines;
        for (std::size_t i = from; i < transport.sent().size(); ++i) {
            lines.push_back(first_line(transport.sent()[i].bytes));
        }
        return lines;
    }

    static inline const transport::Endpoint kClient = endpoint("udp:192.0.2.10:5060");
    static inline const transport::Endpoint kLocal = endpoint("udp:198.51.100.1:5060");
    static inline const transport::Endpoint kLocalTcp = endpoint("tcp:198.51.100.1:5060");
    static inline const transport::Endpoint kNextHop = endpoint("udp:203.0.113.5:5060");
    static inline const transport::Endpoint kNextHopTcp = endpoint("tcp:203.0.113.5:5060");

    ManualClock clock;
    TimerWheel wheel;
    transport::RecordingTransport transport;
    RecordingUser user;
    TransactionLayer layer;
};

}  // namespace tandem::txn::testing
