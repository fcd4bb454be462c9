// A proxy wired to a recording transport, a manual clock and a routing
// script given as text: tests feed SIP in through the transaction layer's
// receive path and read what the proxy would have put on the wire. Time
// moves only when a test says so.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/proxy.h"
#include "proxy/proxy_module.h"
#include "script/local_cache.h"
#include "script/module.h"
#include "script/script_host.h"
#include "sip/message.h"
#include "sip/writer.h"
#include "transport/recording_transport.h"
#include "txn/clock.h"
#include "txn/timer_wheel.h"

namespace tandem::proxy::testing {

inline transport::Endpoint endpoint(std::string_view text) {
    auto parsed = transport::Endpoint::parse(text);
    EXPECT_TRUE(parsed.ok()) << text;
    return parsed.value_or(transport::Endpoint{});
}

inline sip::Message parse(std::string_view text) {
    auto parsed = sip::Message::parse(text);
    EXPECT_TRUE(parsed.ok()) << text;
    return std::move(parsed).value();
}

inline std::string first_line(std::string_view message) {
    return std::string(message.substr(0, message.find('\r')));
}

// The addresses of the scenario: Tandem, the caller, two callees.
inline const transport::Endpoint kProxyUdp = endpoint("udp:127.0.0.1:5060");
inline const transport::Endpoint kProxyTcp = endpoint("tcp:127.0.0.1:5060");
inline const transport::Endpoint kCaller = endpoint("udp:127.0.0.1:5080");
inline const transport::Endpoint kCallee = endpoint("udp:127.0.0.1:5070");
inline const transport::Endpoint kSecondCallee = endpoint("udp:127.0.0.1:5071");

// A request as the caller at kCaller sends it.
struct Request {
    std::string method = "INVITE";
    std::string uri = "sip:bob@127.0.0.1:5070";
    std::string branch = "z9hG4bK-caller-1";
    std::string from_tag = "caller-tag";
    std::string to_tag;
    std::string call_id = "call-1@127.0.0.1";
    std::uint32_t cseq = 1;
    std::string max_forwards = "70";
    std::string extra;  // header lines, each ending in CRLF
    std::string body;
    std::string content_type = "application/sdp";

    std::string text() const {
        std::string t = method + " " + uri + " SIP/2.0\r\n";
        t += "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=" + branch + "\r\n";
        if (!max_forwards.empty()) t += "Max-Forwards: " + max_forwards + "\r\n";
        t += "From: \"Alice\" <sip:alice@127.0.0.1:5080>;tag=" + from_tag + "\r\n";
        t += "To: <sip:bob@127.0.0.1:5070>";
        if (!to_tag.empty()) t += ";tag=" + to_tag;
        t += "\r\n";
        t += "Call-ID: " + call_id + "\r\n";
        t += "CSeq: " + std::to_string(cseq) + " " + method + "\r\n";
        t += "Contact: <sip:alice@127.0.0.1:5080>\r\n";
        t += extra;
        if (!body.empty()) t += "Content-Type: " + content_type + "\r\n";
        t += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
        return t;
    }
};

// The response a UA sends to `request` (text as the UA received it): Vias,
// From, To (with `to_tag`), Call-ID and CSeq copied; Record-Route copied for
// a dialog-creating response; a Contact.
inline std::string response_to(std::string_view request, int status, std::string_view to_tag,
                               std::string_view contact = "<sip:bob@127.0.0.1:5070>",
                               std::string_view body = {}) {
    const sip::Message parsed = parse(request);
    sip::MessageBuilder builder = sip::response_to(parsed, status, {}, to_tag);
    if (status > 100 && status < 300) {
        builder.copy_headers(parsed, sip::HeaderId::RecordRoute);
        builder.header(sip::HeaderId::Contact, contact);
    }
    if (!body.empty()) builder.body("application/sdp", body);
    return builder.build();
}

inline const char* const kSdp =
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n";
inline const char* const kHoldSdp =
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 4000 RTP/AVP 0\r\na=sendonly\r\n";

// A request of the call, in its dialog, as the caller sends it (To tag
// "callee-tag"), with `route` as its Route header: by default Tandem's
// Record-Route entry; none when empty.
inline Request in_dialog(std::string method, std::uint32_t cseq,
                         std::string route = "<sip:127.0.0.1:5060;lr>") {
    Request request;
    request.method = std::move(method);
    request.cseq = cseq;
    request.to_tag = "callee-tag";
    request.branch = "z9hG4bK-" + request.method + std::to_string(cseq);
    request.extra = route.empty() ? std::string{} : "Route: " + route + "\r\n";
    return request;
}

class ProxyTest : public ::testing::Test {
  protected:
    ProxyTest() : transport({kProxyUdp, kProxyTcp}), wheel(clock) {
        logger = std::make_shared<spdlog::logger>("proxy-test",
                                                  std::make_shared<spdlog::sinks::null_sink_mt>());
    }

    // Adds the script modules of a layer above the proxy (built on it).
    using ModuleAdder = std::function<void(script::ModuleRegistry&)>;

    // Builds the proxy and loads `script` (Lua text). `options` tweaks the
    // proxy before it is built; `more_modules` runs once the proxy exists,
    // before the script loads.
    void start(const std::string& script, ProxyOptions options = {},
               const ModuleAdder& more_modules = {}) {
        options.transactions.branch_seed = 7;
        // The 100 Trying timer would only add noise to what tests read.
        options.transactions.send_100_trying = false;
        proxy = std::make_unique<Proxy>(transport, wheel, LocalAddresses({kProxyUdp, kProxyTcp}),
                                        Resolver(HostsTable::parse("127.0.0.1 localhost\n")),
                                        options, logger);
        proxy->set_dialog_event_sink(
            [this](const dialog::Dialog& dialog, const dialog::StateChange& change) {
                events.push_back(dialog::make_state_changed_event(dialog, change));
            });
        registry = std::make_unique<script::ModuleRegistry>();
        Status added = add_proxy_modules(*registry, proxy.get());
        ASSERT_TRUE(added.ok()) << added.error().reason;
        if (more_modules) more_modules(*registry);
        script::EngineEnvironment env;
        env.modules = registry.get();
        env.cache = &cache;
        env.logger = logger;
        auto host = script::ScriptHost::start(script::ScriptSource::text("test.lua", script), env);
        ASSERT_TRUE(host.ok()) << host.error().reason;
        script_host = std::make_unique<script::ScriptHost>(std::move(host).value());
        proxy->attach_script(*script_host);
    }

    void receive(std::string_view bytes, const transport::Endpoint& from) {
        transport::ReceivedMessage message;
        message.bytes = bytes;
        message.source = from;
        message.local = from.protocol == transport::Protocol::tcp ? kProxyTcp : kProxyUdp;
        proxy->transport_handler().on_message(message);
    }

    void advance(txn::Duration by) {
        clock.advance(by);
        wheel.advance(clock.now());
    }

    // Messages sent since the last take(), oldest first.
    std::vector<transport::RecordingTransport::Sent> take() {
        std::vector<transport::RecordingTransport::Sent> sent = transport.sent();
        transport.clear();
        return sent;
    }

    // The only message sent since the last take(); fails the test otherwise.
    transport::RecordingTransport::Sent take_one() {
        auto sent = take();
        if (sent.size() != 1) {
            ADD_FAILURE() << sent.size() << " messages sent, one expected";
            for (const auto& message : sent)
                ADD_FAILURE() << "sent: " << first_line(message.bytes);
        }
        if (sent.empty()) return {};
        return sent.front();
    }

    // Sends `request` from the caller and returns what the proxy relayed.
    transport::RecordingTransport::Sent relay(const Request& request) {
        receive(request.text(), kCaller);
        return take_one();
    }

    txn::ManualClock clock;
    transport::RecordingTransport transport;
    txn::TimerWheel wheel;
    std::shared_ptr<spdlog::logger> logger;
    script::LocalCache cache;
    std::unique_ptr<Proxy> proxy;
    std::unique_ptr<script::ModuleRegistry> registry;
    std::unique_ptr<script::ScriptHost> script_host;
    std::vector<dialog::StateChangedEvent> events;
};

}  // namespace tandem::proxy::testing
