#include "callops/mi_commands.h"

#include <memory>

#include "base/strings.h"
#include "proxy/call_id.h"

namespace tandem::callops {
namespace {

using mi::Json;
using mi::ParamKind;
using mi::Params;

Result<dialog::Side> transfer_side(const std::string& leg, std::string_view name) {
    if (const auto side = side_from_leg_name(leg)) return *side;
    return mi::invalid_params("parameter `" + std::string(name) + "` must be caller or callee" +
                              (iequals(leg, "both") ? " (one leg is transferred at a time)" : "") +
                              ", got \"" + leg + "\"");
}

// Runs `work` on the dialog of `call_id`, on its worker.
Result<Json> on_call(const MiServices& services, const std::string& call_id,
                     std::function<Result<Json>(CallOps&, dialog::DialogId)> work) {
    const std::size_t owner =
        proxy::shard_of_call_id(call_id, std::max<std::size_t>(services.shard_count, 1));
    return services.run_on(owner, [call_id, work = std::move(work)](CallOps& ops) -> Result<Json> {
        const dialog::Dialog* dialog = ops.proxy().dialogs().find_by_call_id(call_id);
        if (dialog == nullptr || dialog->is_ended()) return make_error("Dialog not found", 404);
        return work(ops, dialog->id());
    });
}

Result<Json> call_transfer(const MiServices& services, const Params& params) {
    const std::string call_id = *params.string("callid");
    auto leg = transfer_side(*params.string("leg"), "leg");
    if (!leg) return leg.error();
    const std::string destination = params.string("destination").value_or("");
    const auto transfer_callid = params.string("transfer_callid");
    const auto transfer_leg = params.string("transfer_leg");
    const auto from_tag = params.string("transfer_fromtag");
    const auto to_tag = params.string("transfer_totag");

    std::optional<ReplacesTarget> replaces;
    if (!transfer_callid) {
        if (transfer_leg || from_tag || to_tag) {
            return mi::invalid_params("missing parameter `transfer_callid` (attended transfer)");
        }
        if (destination.empty()) {
            return mi::invalid_params("missing parameter destination (a blind transfer needs one)");
        }
    } else if (transfer_leg) {
        auto side = transfer_side(*transfer_leg, "transfer_leg");
        if (!side) return side.error();
        const std::size_t owner = proxy::shard_of_call_id(
            *transfer_callid, std::max<std::size_t>(services.shard_count, 1));
        auto found = services.run_on(
            owner, [b = *transfer_callid, side = *side](CallOps& ops) -> Result<Json> {
                auto target = ops.lookup_replaces(b, side);
                if (!target) return target.error();
                return Json{{"call_id", target->call_id},
                            {"to_tag", target->to_tag},
                            {"from_tag", target->from_tag},
                            {"destination", target->destination}};
            });
        if (!found) return found.error();
        replaces = ReplacesTarget{(*found)["call_id"], (*found)["to_tag"], (*found)["from_tag"],
                                  (*found)["destination"]};
    } else if (from_tag && to_tag) {
        if (destination.empty()) {
            return mi::invalid_params(
                "missing parameter destination (call B is not known here, so its URI cannot be "
                "used)");
        }
        replaces = ReplacesTarget{*transfer_callid, *to_tag, *from_tag, destination};
    } else {
        return mi::invalid_params(
            "an attended transfer needs `transfer_leg`, or `transfer_fromtag` and "
            "`transfer_totag`");
    }
    return on_call(
        services, call_id,
        [side = *leg, destination, replaces](CallOps& ops, dialog::DialogId id) -> Result<Json> {
            if (auto sent = ops.transfer(id, side, destination, replaces); !sent) {
                return sent.error();
            }
            return Json("Accepted");
        });
}

Result<Json> call_hold(const MiServices& services, const Params& params, bool hold) {
    const std::string call_id = *params.string("callid");
    const std::string leg_name = params.string("leg").value_or("both");
    const auto legs = legs_from_name(leg_name);
    if (!legs) {
        return mi::invalid_params("parameter `leg` must be caller, callee or both, got \"" +
                                  leg_name + "\"");
    }
    // One string for both legs, or an array of two: the caller's, the callee's.
    const std::vector<std::string> lines = params.strings("headers");
    LegHeaders headers;
    if (lines.size() == 1) {
        headers = LegHeaders::both(lines[0]);
    } else if (lines.size() == 2) {
        headers = LegHeaders{lines[0], lines[1]};
    } else if (!lines.empty()) {
        return mi::invalid_params(
            "parameter `headers` must be a string, or an array of two (caller, callee)");
    }
    return on_call(
        services, call_id,
        [legs = *legs, headers, hold](CallOps& ops, dialog::DialogId id) -> Result<Json> {
            auto done = hold ? ops.hold(id, legs, headers) : ops.unhold(id, legs, headers);
            if (!done) return done.error();
            return Json("OK");
        });
}

}  // namespace

Status add_mi_commands(mi::Registry& registry, MiServices services) {
    auto shared = std::make_shared<const MiServices>(std::move(services));
    const std::vector<mi::ParamSpec> hold_params = {{"callid", ParamKind::String, true},
                                                    {"leg", ParamKind::String, false},
                                                    {"headers", ParamKind::StringList, false}};
    std::vector<mi::Command> commands;
    commands.push_back({"call_transfer",
                        "transfers a leg of a call by REFER: blind to `destination`, or attended "
                        "to a leg of call `transfer_callid`",
                        {{"callid", ParamKind::String, true},
                         {"leg", ParamKind::String, true},
                         {"destination", ParamKind::String, false},
                         {"transfer_callid", ParamKind::String, false},
                         {"transfer_leg", ParamKind::String, false},
                         {"transfer_fromtag", ParamKind::String, false},
                         {"transfer_totag", ParamKind::String, false}},
                        [shared](const Params& params) { return call_transfer(*shared, params); }});
    commands.push_back(
        {"call_hold", "puts a call's legs on hold by re-INVITE", hold_params,
         [shared](const Params& params) { return call_hold(*shared, params, true); }});
    commands.push_back(
        {"call_unhold", "resumes the legs call_hold held", hold_params,
         [shared](const Params& params) { return call_hold(*shared, params, false); }});
    for (mi::Command& command : commands) {
        if (auto added = registry.add(std::move(command)); !added) return added;
    }
    return {};
}

}  // namespace tandem::callops
