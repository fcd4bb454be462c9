// Feeds arbitrary SIP messages to the Lua message bridge: every message that
// parses and validates (what the proxy hands to the script) runs a fixed
// route that reads every msg field, looks headers up by name (names taken
// from the message itself too), and sets msg.ruri and msg.dst from header
// values. The route must always complete: a field read or a setter may
// refuse a value (caught with pcall), never raise an error it does not
// document or leave the engine unusable. One engine, loaded once.
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "script/engine.h"
#include "script/local_cache.h"
#include "script/module.h"
#include "script/request_actions.h"
#include "sip/message.h"
#include "sip/validate.h"

namespace {

using namespace tandem;

constexpr std::string_view kScript = R"lua(
local fields = { "method", "ruri", "ruri_user", "ruri_host", "ruri_port", "callid",
  "from_uri", "from_tag", "to_uri", "to_tag", "status", "reason", "src_ip", "src_port",
  "proto", "body", "dst" }

local function visit(msg)
  local seen = 0
  for _, name in ipairs(fields) do
    seen = seen + #tostring(msg[name])
  end
  for _, name in ipairs({ "Via", "v", "Route", "Contact", "X-Target", "X-Dst", "Content-Length" }) do
    seen = seen + #tostring(msg:header(name))
    for _, value in ipairs(msg:headers(name)) do seen = seen + #value end
  end
  -- Names and values the message brings itself.
  local custom = msg:header("X-Name")
  if custom then
    seen = seen + #tostring(msg:header(custom)) + #msg:headers(custom)
    seen = seen + (msg:is_method(custom) and 1 or 0)
  end
  seen = seen + (msg:has_totag() and 1 or 0) + (msg:is_method("INVITE|BYE|ack") and 1 or 0)
  seen = seen + (has_totag() and 1 or 0)

  local target = msg:header("X-Target") or msg.to_uri
  if target then
    local ok = pcall(function() msg.ruri = target end)
    if ok and msg.ruri ~= target then error("msg.ruri does not read back what was set") end
    if ok then seen = seen + #tostring(msg.ruri_user) + #tostring(msg.ruri_host) end
    pcall(function() msg.ruri = nil end)
  end
  local dst = msg:header("X-Dst")
  if dst then
    local ok = pcall(function() msg.dst = dst end)
    if ok and msg.dst == nil then error("msg.dst not kept") end
  end
  local ok = pcall(function() return msg.no_such_field end)
  if ok then error("reading an unknown field did not fail") end
  return seen
end

function request_route(msg) return visit(msg) end
function reply_route(msg) return visit(msg) end
)lua";

struct Bridge {
    Bridge() {
        script::EngineEnvironment env{&modules, &cache, logger};
        auto loaded = script::ScriptEngine::load(
            script::ScriptSource::text("fuzz.lua", std::string(kScript)), env);
        if (!loaded.ok()) {
            std::fprintf(stderr, "fuzz.lua: %s\n", loaded.error().reason.c_str());
            std::abort();
        }
        engine = std::make_unique<script::ScriptEngine>(std::move(*loaded));
    }

    script::ModuleRegistry modules;
    script::LocalCache cache;
    std::shared_ptr<spdlog::logger> logger =
        std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
    std::unique_ptr<script::ScriptEngine> engine;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Bridge bridge;
    auto message = sip::Message::parse(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!message.ok() || !sip::validate(*message).ok()) return 0;
    script::RequestActions actions;
    const script::RoutedMessage routed{*message, {"192.0.2.1", 5062, "udp"}, actions};
    const script::RouteOutcome outcome = message->is_request()
                                             ? bridge.engine->run_request_route(routed)
                                             : bridge.engine->run_reply_route(routed);
    if (!outcome.completed()) {
        std::fprintf(stderr, "route failed: %s\n%s\n", outcome.error.c_str(),
                     outcome.traceback.c_str());
        std::abort();
    }
    if (bridge.engine->stack_height() != 0) std::abort();
    return 0;
}
