#include "mi/core_commands.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <ctime>

#include "dialog/events.h"
#include "dialog/types.h"
#include "script/log_level.h"

namespace tandem::mi {
namespace {

using std::chrono::system_clock;

std::int64_t unix_seconds(system_clock::time_point at) {
    return std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
}

std::string utc_text(system_clock::time_point at) {
    const std::time_t seconds = system_clock::to_time_t(at);
    std::tm broken{};
    ::gmtime_r(&seconds, &broken);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &broken);
    return text;
}

// The OpenSIPS number of the level the logger runs at.
script::ScriptLogLevel script_level_of(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace:
        case spdlog::level::debug:
            return script::ScriptLogLevel::Debug;
        case spdlog::level::info:
            return script::ScriptLogLevel::Info;
        case spdlog::level::warn:
            return script::ScriptLogLevel::Warn;
        case spdlog::level::err:
            return script::ScriptLogLevel::Err;
        default:
            return script::ScriptLogLevel::Crit;
    }
}

std::int64_t level_number(script::ScriptLogLevel level) {
    switch (level) {
        case script::ScriptLogLevel::Alert:
            return -3;
        case script::ScriptLogLevel::Crit:
            return -2;
        case script::ScriptLogLevel::Err:
            return -1;
        case script::ScriptLogLevel::Warn:
            return 1;
        case script::ScriptLogLevel::Notice:
            return 2;
        case script::ScriptLogLevel::Info:
            return 3;
        case script::ScriptLogLevel::Debug:
            return 4;
    }
    return 3;
}

Json level_json(script::ScriptLogLevel level) {
    return {{"Log level", level_number(level)},
            {"Log level name", std::string(script::log_level_name(level))}};
}

std::optional<script::ScriptLogLevel> parse_level(const std::string& text) {
    std::int64_t number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (!text.empty() && error == std::errc{} && end == text.data() + text.size())
        return script::log_level_from_number(number);
    return script::log_level_from_name(text);
}

Status require_local(const Params& params) {
    if (params.string("system") != "local") {
        return invalid_params("system `" + params.string("system").value_or("") +
                              "`: only the `local` cache exists");
    }
    return {};
}

Json leg_json(const dialog::LegView& leg) {
    return {{"tag", std::string(leg.tag)},
            {"uri", std::string(leg.uri)},
            {"contact", std::string(leg.contact)},
            {"route_set", std::string(leg.route_set)},
            {"destination", std::string(leg.destination.address)},
            {"cseq", leg.last_cseq},
            {"cseq_offset", leg.cseq_offset},
            {"generated_requests", leg.generated_requests}};
}

}  // namespace

Json dialog_json(const dialog::Dialog& dialog, dialog::TimePoint steady_now,
                 system_clock::time_point wall_now) {
    const auto wall = [&](dialog::TimePoint at) {
        return unix_seconds(wall_now -
                            std::chrono::duration_cast<system_clock::duration>(steady_now - at));
    };
    Json values = Json::object();
    dialog.variables().for_each([&](std::string_view name, std::string_view value) {
        values[std::string(name)] = std::string(value);
    });
    Json entry = {{"ID", dialog::dialog_id_text(dialog.id())},
                  {"db_id", dialog.id()},
                  {"state", static_cast<int>(dialog.state())},
                  {"state_name", std::string(dialog::state_name(dialog.state()))},
                  {"callid", std::string(dialog.call_id())},
                  {"created", wall(dialog.created_at())},
                  {"max_duration", dialog.max_duration().count()},
                  {"caller", leg_json(dialog.leg(dialog::Side::Caller))},
                  {"callee", leg_json(dialog.leg(dialog::Side::Callee))},
                  {"values", std::move(values)}};
    const auto confirmed = dialog.confirmed_at();
    entry["timestart"] = confirmed ? Json(wall(*confirmed)) : Json(0);
    const auto ended = dialog.ended_at();
    entry["ended"] = ended ? Json(wall(*ended)) : Json(nullptr);
    if (dialog.is_ended())
        entry["end_reason"] = std::string(dialog::end_reason_name(dialog.end_reason()));
    return entry;
}

Status add_core_commands(Registry& registry, CoreServices services) {
    auto shared = std::make_shared<CoreServices>(std::move(services));
    const Registry* commands = &registry;

    std::vector<Command> table;
    table.push_back(
        {"version", "the server's name and version", {}, [shared](const Params&) -> Result<Json> {
             return Json{{"Server", shared->version}};
         }});
    table.push_back({"uptime",
                     "when the server started and how long it has run",
                     {},
                     [shared](const Params&) -> Result<Json> {
                         const auto now = system_clock::now();
                         const auto up = std::chrono::duration_cast<std::chrono::seconds>(
                             now - shared->started);
                         return Json{{"Now", utc_text(now)},
                                     {"Up since", utc_text(shared->started)},
                                     {"Up time", std::to_string(up.count()) + " [sec]"},
                                     {"Up time seconds", up.count()}};
                     }});
    table.push_back({"which",
                     "the commands, or the parameters of one",
                     {{"command", ParamKind::String}},
                     [commands](const Params& params) -> Result<Json> {
                         if (auto name = params.string("command")) {
                             const Command* command = commands->find(*name);
                             if (!command)
                                 return make_error("unknown command `" + *name + "`", 404);
                             Json described = Json::array();
                             for (const ParamSpec& spec : command->params) {
                                 described.push_back(
                                     {{"name", spec.name},
                                      {"type", spec.kind == ParamKind::Integer      ? "integer"
                                               : spec.kind == ParamKind::StringList ? "string list"
                                                                                    : "string"},
                                      {"required", spec.required}});
                             }
                             return Json{{"command", command->name},
                                         {"help", command->help},
                                         {"params", std::move(described)}};
                         }
                         Json names = Json::array();
                         for (const Command* command : commands->commands())
                             names.push_back(command->name);
                         return names;
                     }});
    table.push_back({"log_level",
                     "the log level; with `level` (-3..4 or L_ERR ...) sets it",
                     {{"level", ParamKind::String}},
                     [shared](const Params& params) -> Result<Json> {
                         const auto current = script_level_of(shared->logger->level());
                         const auto text = params.string("level");
                         if (!text) return level_json(current);
                         const auto level = parse_level(*text);
                         if (!level) {
                             return invalid_params("level `" + *text +
                                                   "`: expected -3..4 or L_ALERT .. L_DBG");
                         }
                         shared->logger->set_level(script::to_spdlog_level(*level));
                         Json result = level_json(*level);
                         result["Previous log level"] = level_number(current);
                         return result;
                     }});
    table.push_back({"reload_routes",
                     "loads the routing script again on every worker",
                     {},
                     [shared](const Params&) -> Result<Json> {
                         if (auto reloaded = shared->reload_routes(); !reloaded)
                             return reloaded.error();
                         return Json("OK");
                     }});
    table.push_back({"get_statistics",
                     "statistics: `all`, `group:`, `group:name` or `name`",
                     {{"statistics", ParamKind::StringList, true}},
                     [shared](const Params& params) -> Result<Json> {
                         auto statistics = shared->statistics();
                         if (!statistics) return statistics.error();
                         return select_statistics(*statistics, params.strings("statistics"));
                     }});
    table.push_back({"reset_statistics",
                     "sets counters back to zero (all, or those selected; gauges stay)",
                     {{"statistics", ParamKind::StringList}},
                     [shared](const Params& params) -> Result<Json> {
                         const std::vector<std::string> selectors = params.strings("statistics");
                         if (!selectors.empty()) {
                             // Refuse a selector that matches nothing, as get_statistics does.
                             auto statistics = shared->statistics();
                             if (!statistics) return statistics.error();
                             if (auto known = select_statistics(*statistics, selectors); !known)
                                 return known.error();
                         }
                         if (auto reset = shared->reset_statistics(selectors); !reset)
                             return reset.error();
                         return Json("OK");
                     }});
    table.push_back({"cache_store",
                     "stores `value` under `attr`, for `expire` seconds (0: no expiry)",
                     {{"system", ParamKind::String, true},
                      {"attr", ParamKind::String, true},
                      {"value", ParamKind::String, true},
                      {"expire", ParamKind::Integer}},
                     [shared](const Params& params) -> Result<Json> {
                         if (auto local = require_local(params); !local) return local.error();
                         const std::int64_t expire = params.integer("expire").value_or(0);
                         if (expire < 0) return invalid_params("expire must not be negative");
                         auto stored =
                             shared->cache->store(*params.string("attr"), *params.string("value"),
                                                  std::chrono::seconds(expire));
                         if (!stored) return make_error(stored.error().reason, kCommandFailed);
                         return Json("OK");
                     }});
    table.push_back({"cache_fetch",
                     "the value stored under `attr`",
                     {{"system", ParamKind::String, true}, {"attr", ParamKind::String, true}},
                     [shared](const Params& params) -> Result<Json> {
                         if (auto local = require_local(params); !local) return local.error();
                         const std::string attr = *params.string("attr");
                         auto value = shared->cache->fetch(attr);
                         if (!value) return make_error("no value for `" + attr + "`", 404);
                         return Json{{"attr", attr}, {"value", *value}};
                     }});
    table.push_back({"cache_remove",
                     "removes the value stored under `attr`",
                     {{"system", ParamKind::String, true}, {"attr", ParamKind::String, true}},
                     [shared](const Params& params) -> Result<Json> {
                         if (auto local = require_local(params); !local) return local.error();
                         const std::string attr = *params.string("attr");
                         if (!shared->cache->remove(attr))
                             return make_error("no value for `" + attr + "`", 404);
                         return Json("OK");
                     }});
    table.push_back({"dlg_list",
                     "every dialog, or those of `callid`",
                     {{"callid", ParamKind::String}},
                     [shared](const Params& params) -> Result<Json> {
                         const auto callid = params.string("callid");
                         auto listed = shared->list_dialogs(callid);
                         if (!listed) return listed.error();
                         if (callid && (*listed)["Dialogs"].empty())
                             return make_error("no dialog with Call-ID `" + *callid + "`", 404);
                         return listed;
                     }});
    table.push_back({"dlg_end_dlg",
                     "ends a confirmed dialog with a BYE to both legs",
                     {{"callid", ParamKind::String}, {"dialog_id", ParamKind::String}},
                     [shared](const Params& params) -> Result<Json> {
                         DialogSelector which;
                         which.callid = params.string("callid");
                         if (auto id_text = params.string("dialog_id")) {
                             which.id = dialog::parse_dialog_id(*id_text);
                             if (!which.id) {
                                 // OpenSIPS accepts the Call-ID in dialog_id as well.
                                 if (which.callid)
                                     return invalid_params("bad dialog_id `" + *id_text + "`");
                                 which.callid = *id_text;
                             }
                         }
                         if (!which.callid && !which.id)
                             return invalid_params("missing parameter `callid` (or `dialog_id`)");
                         if (auto ended = shared->end_dialog(which); !ended) return ended.error();
                         return Json("OK");
                     }});

    for (Command& command : table) {
        if (auto added = registry.add(std::move(command)); !added) return added;
    }
    return {};
}

}  // namespace tandem::mi
