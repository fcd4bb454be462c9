// What callops exports to the routing script (docs/callops.md):
//
//   modparam  mode ("param"/0, "manual"/1, "callid"/2), match_param ("osid"),
//             notify_timeout (seconds, 30)
//   call_transfer(leg, destination)                                blind
//   call_transfer(leg, transfer_callid, transfer_leg [, destination])  attended
//   call_blind_replace(callid [, leg])                             request route
//   call_transfer_notify()                                         request, failure routes
//
// The functions act on one worker's CallOps; a module bound to no CallOps
// (nullptr) serves for checking a script and reading its settings.
#pragma once

#include <cstddef>

#include "callops/call_ops.h"
#include "script/config.h"
#include "script/module.h"

namespace tandem::callops {

inline constexpr std::string_view kModuleName = "callops";

script::ScriptModule callops_script_module(CallOps* ops);

// The settings a loaded script's modparams ask for, for a server of
// `shard_count` workers.
Settings callops_settings(const script::ScriptConfig& config, std::size_t shard_count);

}  // namespace tandem::callops
