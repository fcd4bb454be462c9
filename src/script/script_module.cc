#include "script/script_module.h"

#include <spdlog/spdlog.h>

#include "script/local_cache.h"
#include "script/log_level.h"
#include "script/message_checks.h"

namespace tandem::script {
namespace {

constexpr std::string_view kLocalCacheName = "local";
constexpr std::string_view kLevelChoices =
    "L_ALERT, L_CRIT, L_ERR, L_WARN, L_NOTICE, L_INFO or L_DBG";

Status check_instruction_budget(const ParamValue& value) {
    if (std::get<std::int64_t>(value) < 0) return make_error("must not be negative");
    return {};
}

Result<ScriptLogLevel> level_argument(const ArgumentValue& value) {
    if (const auto* number = std::get_if<std::int64_t>(&value)) {
        if (auto level = log_level_from_number(*number)) return *level;
        return make_error("unknown log level " + std::to_string(*number) +
                          " (use -3..-1 or 1..4, or " + std::string(kLevelChoices) + ")");
    }
    const std::string_view name = std::get<std::string_view>(value);
    if (auto level = log_level_from_name(name)) return *level;
    return make_error("unknown log level '" + std::string(name) + "' (use " +
                      std::string(kLevelChoices) + ")");
}

Result<ScriptValue> write_log(CallContext& context, ScriptLogLevel level, std::string_view text) {
    spdlog::logger* logger = context.logger();
    if (logger == nullptr) return make_error("no logger");
    logger->log(to_spdlog_level(level), "{}", text);
    return ScriptValue{true};
}

// xlog(text) logs at L_ERR, as OpenSIPS does; xlog(level, text) at `level`.
Result<ScriptValue> xlog(CallContext& context, const Arguments& args) {
    if (!args.has(1)) {
        if (const auto* number = std::get_if<std::int64_t>(&args[0])) {
            return write_log(context, ScriptLogLevel::Err, std::to_string(*number));
        }
        return write_log(context, ScriptLogLevel::Err, args.string(0));
    }
    auto level = level_argument(args[0]);
    if (!level) return level.error();
    return write_log(context, *level, args.string(1));
}

Result<ScriptValue> log(CallContext& context, const Arguments& args) {
    auto level = level_argument(args[0]);
    if (!level) return level.error();
    return write_log(context, *level, args.string(1));
}

Result<LocalCache*> local_cache(CallContext& context, std::string_view name) {
    if (name != kLocalCacheName) {
        return make_error("unknown cache '" + std::string(name) + "' (only \"local\" exists)");
    }
    if (context.cache() == nullptr) return make_error("no local cache");
    return context.cache();
}

Result<ScriptValue> cache_store(CallContext& context, const Arguments& args) {
    auto cache = local_cache(context, args.string(0));
    if (!cache) return cache.error();
    const std::int64_t lifetime = args.optional_integer(3).value_or(0);
    if (lifetime < 0) return make_error("argument 4 (expire) must not be negative");
    Status stored = (*cache)->store(args.string(1), args.string(2), std::chrono::seconds(lifetime));
    if (!stored) {
        // A full cache is a condition the script can handle, not a bug in it.
        if (context.logger() != nullptr) {
            context.logger()->warn("cache_store: {}", stored.error().reason);
        }
        return ScriptValue{false};
    }
    return ScriptValue{true};
}

Result<ScriptValue> cache_fetch(CallContext& context, const Arguments& args) {
    auto cache = local_cache(context, args.string(0));
    if (!cache) return cache.error();
    if (auto value = (*cache)->fetch(args.string(1))) return ScriptValue{std::move(*value)};
    return ScriptValue{};
}

Result<ScriptValue> cache_remove(CallContext& context, const Arguments& args) {
    auto cache = local_cache(context, args.string(0));
    if (!cache) return cache.error();
    return ScriptValue{(*cache)->remove(args.string(1))};
}

// has_totag() and is_method(m): the OpenSIPS spellings of msg:has_totag()
// and msg:is_method(m), for snippets translated line by line.
Result<ScriptValue> has_totag(CallContext& context, const Arguments&) {
    if (context.message() == nullptr) return make_error("no message in this route");
    return ScriptValue{has_to_tag(*context.message())};
}

Result<ScriptValue> is_method(CallContext& context, const Arguments& args) {
    if (context.message() == nullptr) return make_error("no message in this route");
    return ScriptValue{is_method_one_of(*context.message(), args.string(0))};
}

}  // namespace

ScriptModule script_module() {
    const RouteKinds anywhere = RouteKinds::anywhere();
    return ScriptModule{
        .name = std::string(kScriptModuleName),
        .params = {{std::string(kInstructionBudgetParam), ParamType::Integer,
                    ParamValue{kDefaultInstructionBudget}, check_instruction_budget}},
        .functions =
            {
                {"xlog",
                 {{"level or text", ArgType::Scalar}, {"text", ArgType::String, true}},
                 xlog,
                 anywhere},
                {"log", {{"level", ArgType::Scalar}, {"text", ArgType::String}}, log, anywhere},
                {"cache_store",
                 {{"cache", ArgType::String},
                  {"key", ArgType::String},
                  {"value", ArgType::String},
                  {"expire", ArgType::Integer, true}},
                 cache_store,
                 anywhere},
                {"cache_fetch",
                 {{"cache", ArgType::String}, {"key", ArgType::String}},
                 cache_fetch,
                 anywhere},
                {"cache_remove",
                 {{"cache", ArgType::String}, {"key", ArgType::String}},
                 cache_remove,
                 anywhere},
                {"has_totag", {}, has_totag, RouteKinds::message_routes()},
                {"is_method",
                 {{"methods", ArgType::String}},
                 is_method,
                 RouteKinds::message_routes()},
            },
    };
}

}  // namespace tandem::script
