// The leg names of the callops script functions are checked when the
// script loads (tandem --check) when they are written as literals.
#include <gtest/gtest.h>

#include "callops/callops_module.h"
#include "script/engine.h"
#include "script/module.h"

namespace tandem::callops {
namespace {

std::vector<std::string> check(const std::string& route_body) {
    script::ModuleRegistry registry;
    Status added = registry.add(callops_script_module(nullptr));
    EXPECT_TRUE(added.ok()) << added.error().reason;
    script::EngineEnvironment env;
    env.modules = &registry;
    const std::string code = "function request_route(msg)\n" + route_body + "\nend\n";
    std::vector<std::string> found;
    for (const script::Diagnostic& diagnostic :
         script::ScriptEngine::check(script::ScriptSource::text("calls.lua", code), env)) {
        found.push_back(diagnostic.to_string());
    }
    return found;
}

TEST(CallopsScriptCheck, LiteralLegNamesAreAcceptedInAnyCase) {
    const auto found = check(R"(
  call_transfer("caller", "sip:a@127.0.0.1")
  call_transfer("CALLEE", "sip:a@127.0.0.1")
  call_transfer("Caller", "call-2@127.0.0.1", "callee")
  call_transfer("callee", "call-2@127.0.0.1", "CALLER", "sip:b@127.0.0.1"))");
    EXPECT_TRUE(found.empty()) << found.front();
}

TEST(CallopsScriptCheck, ABadLiteralLegIsFoundByTheCheck) {
    const auto found = check(R"(
  call_transfer("calee", "sip:a@127.0.0.1")
  call_transfer("caller", "call-2@127.0.0.1", "both"))");
    EXPECT_EQ(found, (std::vector<std::string>{
                         "calls.lua:3: call_transfer: argument 1 (leg) must be \"caller\" or "
                         "\"callee\" (got \"calee\")",
                         "calls.lua:4: call_transfer: argument 3 (transfer_leg) must be \"caller\" "
                         "or \"callee\" (got \"both\")"}));
}

TEST(CallopsScriptCheck, ALegFromAVariableIsLeftToTheCall) {
    const auto found = check(R"(
  local leg = msg:header("X-Leg")
  call_transfer(leg, "sip:a@127.0.0.1"))");
    EXPECT_TRUE(found.empty()) << found.front();
}

}  // namespace
}  // namespace tandem::callops
