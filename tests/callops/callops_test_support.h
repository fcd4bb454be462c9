// A proxy with call control, wired as a worker wires it, to a recording
// transport and a manual clock (see tests/proxy/proxy_test_support.h), and
// a call between Alice (caller, kCaller) and Bob (callee, kCallee) set up
// through it with distinct SDPs on each side. Events CallOps raises are
// collected in `raised`.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "../proxy/proxy_test_support.h"
#include "callops/call_ops.h"
#include "callops/callops_module.h"

namespace tandem::callops::testing {

using proxy::testing::endpoint;
using proxy::testing::first_line;
using proxy::testing::in_dialog;
using proxy::testing::kCallee;
using proxy::testing::kCaller;
using proxy::testing::parse;
using proxy::testing::Request;
using proxy::testing::response_to;

inline const char* const kCallerSdp =
    "v=0\r\no=alice 10 10 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n";
inline const char* const kCalleeSdp =
    "v=0\r\no=bob 20 20 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 5000 RTP/AVP 0\r\n";
inline const transport::Endpoint kTarget = endpoint("udp:127.0.0.1:5072");

inline const std::string kScript = R"(
function request_route(msg)
  if has_totag() then
    if is_method("NOTIFY") then call_transfer_notify() end
    if is_method("INFO") and msg:header("X-Transfer") then
      cache_store("local", "transfer", tostring(call_transfer("caller", msg:header("X-Transfer"))))
      send_reply(200)
      return
    end
    if loose_route() then t_relay() end
    return
  end
  if msg:header("X-Replace") then call_blind_replace(msg:header("X-Replace")) end
  create_dialog()
  record_route()
  t_relay()
end
)";

// The value of one parameter of an event; "" when absent.
inline std::string param(const events::Event& event, std::string_view name) {
    for (const auto& [key, value] : event.params) {
        if (key == name) return value;
    }
    return {};
}

class CallOpsTest : public proxy::testing::ProxyTest {
  protected:
    void start_callops(Settings settings = {}, const std::string& script = kScript) {
        start(script, {}, [&](script::ModuleRegistry& modules) {
            callops = std::make_unique<CallOps>(*proxy, wheel, std::move(settings), logger);
            callops->set_event_sink(
                [this](events::Event event) { raised.push_back(std::move(event)); });
            ASSERT_TRUE(modules.add(callops_script_module(callops.get())).ok());
        });
    }

    // INVITE (caller SDP), 200 (callee SDP) and ACK through the proxy.
    void establish(Settings settings = {}, const std::string& script = kScript) {
        start_callops(std::move(settings), script);
        Request invite;
        invite.body = kCallerSdp;
        const auto relayed = relay(invite);
        receive(
            response_to(relayed.bytes, 200, "callee-tag", "<sip:bob@127.0.0.1:5070>", kCalleeSdp),
            kCallee);
        EXPECT_EQ(take().size(), 1u);
        relay(in_dialog("ACK", 1));
        raised.clear();
    }

    dialog::Dialog* call() { return proxy->dialogs().find_by_call_id("call-1@127.0.0.1"); }
    dialog::DialogId call_id() { return call()->id(); }

    // The events of one name, oldest first.
    std::vector<events::Event> events_named(std::string_view name) const {
        std::vector<events::Event> named;
        for (const auto& event : raised) {
            if (event.name == name) named.push_back(event);
        }
        return named;
    }

    // "leg:action:state" of every E_CALL_HOLD, oldest first.
    std::vector<std::string> hold_trace() const {
        std::vector<std::string> trace;
        for (const auto& event : events_named(kHoldEvent)) {
            trace.push_back(param(event, "leg") + ":" + param(event, "action") + ":" +
                            param(event, "state"));
        }
        return trace;
    }

    // "state:status" of every E_CALL_TRANSFER, oldest first.
    std::vector<std::string> transfer_trace() const {
        std::vector<std::string> trace;
        for (const auto& event : events_named(kTransferEvent)) {
            trace.push_back(param(event, "state") + ":" + param(event, "status"));
        }
        return trace;
    }

    // Declared after the proxy (in the base): destroyed before it.
    std::unique_ptr<CallOps> callops;
    std::vector<events::Event> raised;
};

}  // namespace tandem::callops::testing
