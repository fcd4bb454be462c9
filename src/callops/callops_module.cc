#include "callops/callops_module.h"

#include "sip/syntax.h"

namespace tandem::callops {
namespace {

using script::ArgType;
using script::Arguments;
using script::CallContext;
using script::ParamType;
using script::ParamValue;
using script::RouteKind;
using script::ScriptValue;

Status check_mode(const ParamValue& value) {
    if (!mode_from_text(std::get<std::string>(value))) {
        return make_error("must be param (0), manual (1) or callid (2)");
    }
    return {};
}

Status check_match_param(const ParamValue& value) {
    if (!sip::is_token(std::get<std::string>(value))) {
        return make_error("must be a URI parameter name (a token)");
    }
    return {};
}

Status check_timeout(const ParamValue& value) {
    const std::int64_t seconds = std::get<std::int64_t>(value);
    if (seconds < 1 || seconds > 3600) return make_error("must be 1..3600 seconds");
    return {};
}

Status check_flag(const ParamValue& value) {
    const std::int64_t flag = std::get<std::int64_t>(value);
    if (flag != 0 && flag != 1) return make_error("must be 0 or 1");
    return {};
}

template <typename Fn>
script::ScriptFunction bound(CallOps* ops, Fn fn) {
    return [ops, fn](CallContext& context, const Arguments& args) -> Result<ScriptValue> {
        if (ops == nullptr) return make_error("call control is not running");
        return fn(*ops, context, args);
    };
}

}  // namespace

script::ScriptModule callops_script_module(CallOps* ops) {
    return script::ScriptModule{
        .name = std::string(kModuleName),
        .params =
            {{"mode", ParamType::String, ParamValue{std::string("param")}, check_mode},
             {"match_param", ParamType::String, ParamValue{std::string("osid")}, check_match_param},
             {"notify_timeout", ParamType::Integer, ParamValue{std::int64_t{30}}, check_timeout},
             {"transfer_ends_call", ParamType::Integer, ParamValue{std::int64_t{1}}, check_flag}},
        .functions = {
            {"call_transfer",
             {{"leg", ArgType::String, false, script::one_of_words({"caller", "callee"})},
              {"destination or transfer_callid", ArgType::String},
              {"transfer_leg", ArgType::String, true, script::one_of_words({"caller", "callee"})},
              {"destination", ArgType::String, true}},
             bound(ops, [](CallOps& o, CallContext& c,
                           const Arguments& a) { return o.script_transfer(c, a); }),
             script::RouteKinds::message_routes()},
            {"call_blind_replace",
             {{"callid", ArgType::String}, {"leg", ArgType::String, true}},
             bound(ops, [](CallOps& o, CallContext& c,
                           const Arguments& a) { return o.script_blind_replace(c, a); }),
             RouteKind::Request},
            {"call_transfer_notify",
             {},
             bound(ops, [](CallOps& o, CallContext& c,
                           const Arguments&) { return o.script_transfer_notify(c); }),
             RouteKind::Request | RouteKind::Failure},
        }};
}

Settings callops_settings(const script::ScriptConfig& config, std::size_t shard_count) {
    Settings settings;
    if (const auto mode = config.string_param(kModuleName, "mode")) {
        settings.mode = mode_from_text(*mode).value_or(Mode::Param);
    }
    if (const auto name = config.string_param(kModuleName, "match_param")) {
        settings.match_param = std::string(*name);
    }
    if (const auto timeout = config.integer_param(kModuleName, "notify_timeout")) {
        settings.notify_timeout = std::chrono::seconds(*timeout);
    }
    if (const auto ends = config.integer_param(kModuleName, "transfer_ends_call")) {
        settings.transfer_ends_call = *ends != 0;
    }
    settings.shard_count = shard_count;
    return settings;
}

}  // namespace tandem::callops
