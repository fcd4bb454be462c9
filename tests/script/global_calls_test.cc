// The static checks of a script at load and with --check: calls of globals
// that exist nowhere (typos) and literal arguments a function refuses.
#include <gtest/gtest.h>

#include "script/engine.h"
#include "script_test_support.h"

namespace tandem::script {
namespace {

using testing::ScratchDir;
using testing::TestEnvironment;

std::vector<std::string> texts(const std::vector<Diagnostic>& diagnostics) {
    std::vector<std::string> result;
    for (const Diagnostic& diagnostic : diagnostics)
        result.push_back(diagnostic.to_string());
    return result;
}

class GlobalCalls : public ::testing::Test {
  protected:
    GlobalCalls() {
        auto nothing = [](CallContext&, const Arguments&) -> Result<ScriptValue> {
            return ScriptValue{true};
        };
        Status added = env.modules.add(ScriptModule{
            .name = "stand_in",
            .functions = {
                {"t_relay", {{"destination", ArgType::String, true}}, nothing},
                {"transfer",
                 {{"leg", ArgType::String, false, one_of_words({"caller", "callee"})},
                  {"destination", ArgType::String},
                  {"transfer_leg", ArgType::String, true, one_of_words({"caller", "callee"})}},
                 nothing},
            }});
        EXPECT_TRUE(added.ok()) << added.error().reason;
    }
    TestEnvironment env;
};

TEST_F(GlobalCalls, ATypoIsAnErrorWithFileAndLine) {
    auto engine = env.load(R"(function request_route(msg)
  if msg.ruri_user then
    t_relay_typo()
  end
end
)");
    ASSERT_FALSE(engine.ok());
    EXPECT_EQ(engine.error().reason, "test.lua:3: unknown function 't_relay_typo'");
}

TEST_F(GlobalCalls, EveryUnknownCallIsListed) {
    const auto found = texts(env.check(R"(function request_route(msg)
  t_rely()
  route("relay")
end
route("relay", function(msg)
  local ok = t_relay()
  if not ok then sl_reply_eror() end
  return snd_reply(500)
end)
)"));
    EXPECT_EQ(found, (std::vector<std::string>{"test.lua:2: unknown function 't_rely'",
                                               "test.lua:7: unknown function 'sl_reply_eror'",
                                               "test.lua:8: unknown function 'snd_reply'"}));
}

TEST_F(GlobalCalls, FunctionsOfTheScriptLuaAndTandemAreKnown) {
    const auto found = texts(env.check(R"(
local function local_helper() return 1 end
function request_route(msg)
  helper_defined_below(msg)
  local_helper()
  assigned_in_a_route()
  xlog("L_INFO", string.format("%d", tonumber("1")))
  print(tostring(pcall(type, msg)))
  route("r")
  t_relay()
end
function helper_defined_below(msg)
  assigned_in_a_route = function() end
  return msg:header("X")
end
route("r", function(msg, ...) return select("#", ...) end)
)"));
    EXPECT_TRUE(found.empty()) << found.front();
}

TEST_F(GlobalCalls, GlobalsSetByARequiredFileAreKnown) {
    ScratchDir dir;
    dir.write("helpers.lua", "function from_helpers() return true end\n");
    const std::string script = dir.write("main.lua", R"(require("helpers")
function request_route(msg)
  from_helpers()
  not_in_helpers()
end
)");
    const auto found = texts(ScriptEngine::check(ScriptSource::file(script), env.environment()));
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0], script + ":4: unknown function 'not_in_helpers'");
}

TEST_F(GlobalCalls, CallsInNestedFunctionsTailCallsAndVarargsAreSeen) {
    const auto found = texts(env.check(R"(function request_route(msg)
  local function inner(...)
    local function deeper()
      return tail_typo()
    end
    vararg_typo(...)
    return deeper
  end
end
)"));
    EXPECT_EQ(found, (std::vector<std::string>{"test.lua:6: unknown function 'vararg_typo'",
                                               "test.lua:4: unknown function 'tail_typo'"}));
}

TEST_F(GlobalCalls, AGlobalOnlyReadIsNotACall) {
    const auto found = texts(env.check(R"(function request_route(msg)
  local maybe = optional_thing
  if maybe then maybe() end
end
)"));
    EXPECT_TRUE(found.empty()) << found.front();
}

TEST_F(GlobalCalls, BadLiteralArgumentsAreErrors) {
    const auto found = texts(env.check(R"(function request_route(msg)
  transfer("caller", "sip:a@example.com")
  transfer("CALLEE", "sip:a@example.com", "Caller")
  transfer("calee", "sip:a@example.com")
  transfer("callee", "sip:a@example.com", "both")
end
)"));
    EXPECT_EQ(found, (std::vector<std::string>{
                         "test.lua:4: transfer: argument 1 (leg) must be \"caller\" or \"callee\" "
                         "(got \"calee\")",
                         "test.lua:5: transfer: argument 3 (transfer_leg) must be \"caller\" or "
                         "\"callee\" (got \"both\")"}));
}

TEST_F(GlobalCalls, OnlyLiteralsAreChecked) {
    const auto found = texts(env.check(R"(local leg = "nonsense"
function request_route(msg)
  transfer(leg, "sip:a@example.com")
  transfer(msg.ruri_user, "x")
  transfer(string.lower("X"), "x")
end
)"));
    EXPECT_TRUE(found.empty()) << found.front();
}

TEST_F(GlobalCalls, AFunctionTheScriptRedefinesIsNotChecked) {
    const auto found = texts(env.check(R"(function transfer(a, b) end
function request_route(msg)
  transfer("anything", "x")
end
)"));
    EXPECT_TRUE(found.empty()) << found.front();
}

}  // namespace
}  // namespace tandem::script
