#include "script/module.h"

#include <gtest/gtest.h>

#include "script/script_module.h"

namespace tandem::script {
namespace {

Result<ScriptValue> nothing(CallContext&, const Arguments&) {
    return ScriptValue{};
}

FunctionSpec function(std::string name, std::vector<ArgSpec> args = {}) {
    return FunctionSpec{std::move(name), std::move(args), nothing};
}

Status one_of_modes(const ParamValue& value) {
    const auto& text = std::get<std::string>(value);
    if (text == "param" || text == "manual" || text == "callid" || text == "0" || text == "1" ||
        text == "2") {
        return {};
    }
    return make_error("must be one of param, manual, callid (or 0, 1, 2)");
}

TEST(ModuleRegistry, StartsWithTheScriptModule) {
    ModuleRegistry registry;
    ASSERT_NE(registry.find_module("script"), nullptr);
    EXPECT_NE(registry.find_function("xlog"), nullptr);
    EXPECT_NE(registry.find_function("cache_fetch"), nullptr);
    const ParamSpec* budget = registry.find_param("script", "instruction_budget");
    ASSERT_NE(budget, nullptr);
    EXPECT_EQ(budget->default_value, ParamValue{kDefaultInstructionBudget});
}

TEST(ModuleRegistry, AddsAModuleTable) {
    ModuleRegistry registry;
    Status added = registry.add(ScriptModule{
        .name = "callops",
        .params = {{"mode", ParamType::String, std::string("param"), one_of_modes},
                   {"match_param", ParamType::String, std::string("osid")}},
        .functions = {function("call_transfer", {{"leg", ArgType::String},
                                                 {"destination", ArgType::String},
                                                 {"transfer_leg", ArgType::String, true}})},
    });
    ASSERT_TRUE(added.ok()) << added.error().reason;
    EXPECT_NE(registry.find_param("callops", "mode"), nullptr);
    EXPECT_EQ(registry.find_param("callops", "nope"), nullptr);
    EXPECT_EQ(registry.find_param("nope", "mode"), nullptr);
    ASSERT_NE(registry.find_function("call_transfer"), nullptr);
    EXPECT_EQ(registry.find_function("call_transfer")->args.size(), 3u);
    EXPECT_EQ(registry.modules().size(), 2u);
}

TEST(ModuleRegistry, RefusesBadTables) {
    ModuleRegistry registry;
    auto refused = [&registry](ScriptModule module, const std::string& reason_part) {
        Status added = registry.add(std::move(module));
        ASSERT_FALSE(added.ok());
        EXPECT_NE(added.error().reason.find(reason_part), std::string::npos)
            << added.error().reason;
    };
    refused(ScriptModule{.name = ""}, "needs a name");
    refused(ScriptModule{.name = "script"}, "already registered");
    refused(ScriptModule{.name = "m", .functions = {function("xlog")}}, "already registered");
    refused(ScriptModule{.name = "m", .functions = {function("f"), function("f")}},
            "already registered");
    refused(ScriptModule{.name = "m", .functions = {function("print")}}, "reserved");
    refused(ScriptModule{.name = "m", .functions = {function("modparam")}}, "reserved");
    refused(ScriptModule{.name = "m", .functions = {function("end")}}, "not a Lua identifier");
    refused(ScriptModule{.name = "m", .functions = {function("t-relay")}}, "not a Lua identifier");
    refused(ScriptModule{.name = "m",
                         .functions = {function(
                             "f", {{"a", ArgType::String, true}, {"b", ArgType::String}})}},
            "after an optional one");
    refused(ScriptModule{.name = "m", .functions = {function("f", std::vector<ArgSpec>(9))}},
            "too many arguments");
    refused(ScriptModule{.name = "m", .functions = {FunctionSpec{"f", {}, nullptr}}},
            "no callable");
    refused(ScriptModule{.name = "m", .functions = {FunctionSpec{"f", {}, nothing, RouteKinds{}}}},
            "usable nowhere");
    refused(ScriptModule{.name = "m", .params = {{"p", ParamType::Integer, std::string("x")}}},
            "bad default");
    refused(ScriptModule{.name = "m", .params = {{"p", ParamType::String, std::int64_t{1}}}},
            "does not have the parameter's type");
    refused(ScriptModule{.name = "m",
                         .params = {{"mode", ParamType::String, std::string("x"), one_of_modes}}},
            "bad default");
    refused(ScriptModule{.name = "m",
                         .params = {{"p", ParamType::Integer, std::int64_t{1}},
                                    {"p", ParamType::Integer, std::int64_t{1}}}},
            "declared twice");
    // Nothing refused was kept.
    EXPECT_EQ(registry.modules().size(), 1u);
}

TEST(ParamValues, AreCheckedAgainstTheirSpec) {
    const ParamSpec duration{"max_duration", ParamType::Integer, std::int64_t{0}};
    const ParamSpec mode{"mode", ParamType::String, std::string("param"), one_of_modes};
    EXPECT_EQ(*coerce_param_value(duration, std::int64_t{3600}), ParamValue{std::int64_t{3600}});
    EXPECT_EQ(coerce_param_value(duration, std::string("3600")).error().reason,
              "must be an integer (got a string)");
    // An integer for a string parameter is kept as its text (OpenSIPS accepts
    // `mode` as "param" or 0).
    EXPECT_EQ(*coerce_param_value(mode, std::int64_t{0}), ParamValue{std::string("0")});
    EXPECT_FALSE(coerce_param_value(mode, std::string("auto")).ok());
}

TEST(LuaIdentifiers, FollowLuaRules) {
    EXPECT_TRUE(is_lua_identifier("t_relay"));
    EXPECT_TRUE(is_lua_identifier("_x1"));
    EXPECT_FALSE(is_lua_identifier("1x"));
    EXPECT_FALSE(is_lua_identifier(""));
    EXPECT_FALSE(is_lua_identifier("local"));
    EXPECT_FALSE(is_lua_identifier("a.b"));
}

TEST(RouteKinds, CombineAndTest) {
    const RouteKinds request_or_failure = RouteKind::Request | RouteKind::Failure;
    EXPECT_TRUE(request_or_failure.contains(RouteKind::Request));
    EXPECT_TRUE(request_or_failure.contains(RouteKind::Failure));
    EXPECT_FALSE(request_or_failure.contains(RouteKind::Reply));
    EXPECT_FALSE(RouteKinds::routes().contains(RouteKind::TopLevel));
    EXPECT_TRUE(RouteKinds::routes().contains(RouteKind::Event));
    EXPECT_TRUE(RouteKinds::anywhere().contains(RouteKind::TopLevel));
    EXPECT_FALSE(RouteKinds::message_routes().contains(RouteKind::Event));
    EXPECT_TRUE(RouteKinds::message_routes().contains(RouteKind::B2BReply));
    EXPECT_TRUE(RouteKinds{}.empty());
    EXPECT_EQ(route_kind_name(RouteKind::Failure), "failure_route");
}

}  // namespace
}  // namespace tandem::script
