// What the proxy exports to the routing script, as modules of the script
// engine's registry (names as OpenSIPS spells them, see docs/proxy.md):
//
//   tm         t_relay([destination]) t_on_failure(route) t_on_reply(route)
//              t_check_status(pattern) t_reply_code() send_reply(code, reason) drop()
//              modparam T1_timer, T2_timer, T4_timer (milliseconds),
//                       fr_inv_timeout (timer C, seconds), max_transactions,
//                       overload_retry_after (seconds)
//   rr         record_route() loose_route()
//   sipmsgops  append_hf(header) remove_hf(name) is_present_hf(name) is_audio_on_hold()
//   dialog     create_dialog([max_duration | flags])
//              dlg_send_sequential(method, leg [, body, content_type, headers])
//              modparam max_duration (seconds, 0: unlimited), max_dialogs
//
// has_totag() and is_method() come with the engine's own module.
//
// The functions act on one worker's Proxy, so every worker has its own
// registry holding these modules bound to its proxy. A registry bound to no
// proxy (nullptr) serves for checking a script and reading its settings:
// its functions fail if called, which the engine's rules keep from
// happening at the top level.
#pragma once

#include <vector>

#include "base/result.h"
#include "proxy/proxy.h"
#include "script/config.h"
#include "script/module.h"

namespace tandem::proxy {

std::vector<script::ScriptModule> proxy_modules(Proxy* proxy);

// Adds proxy_modules(proxy) to `registry`.
Status add_proxy_modules(script::ModuleRegistry& registry, Proxy* proxy);

// The proxy options a loaded script's modparams ask for: the transaction
// timers, timer C, the dialogs' default max_duration and the overload caps
// (process-wide: a worker takes worker_share() of them). Other fields keep
// their defaults.
ProxyOptions proxy_options(const script::ScriptConfig& config);

}  // namespace tandem::proxy
