// The core MI commands (docs/mi.md): version, uptime, which, log_level,
// reload_routes, get_statistics, reset_statistics, cache_store,
// cache_fetch, cache_remove, dlg_list, dlg_end_dlg. What touches the
// workers (statistics, reload, dialogs) goes through the callbacks the app
// gives, which run the work on the worker that owns it and wait for it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "dialog/dialog.h"
#include "mi/registry.h"
#include "mi/statistics.h"
#include "script/local_cache.h"

namespace spdlog {
class logger;
}

namespace tandem::mi {

// Which dialog dlg_end_dlg ends.
struct DialogSelector {
    std::optional<std::string> callid;
    std::optional<dialog::DialogId> id;
};

struct CoreServices {
    std::string version;
    std::chrono::system_clock::time_point started;
    std::shared_ptr<spdlog::logger> logger;
    script::LocalCache* cache = nullptr;
    std::function<Result<Statistics>()> statistics;
    // Resets the counters `selectors` pick (see select_statistics); every
    // counter when empty.
    std::function<Status(const std::vector<std::string>& selectors)> reset_statistics;
    // Reloads the script on every worker; fails naming the reason.
    std::function<Status()> reload_routes;
    // {"Dialogs": [...]}: every dialog, or those of one Call-ID.
    std::function<Result<Json>(const std::optional<std::string>& callid)> list_dialogs;
    // BYE to both legs; fails with 404 when there is no such dialog.
    std::function<Status(const DialogSelector& which)> end_dialog;
};

Status add_core_commands(Registry& registry, CoreServices services);

// A dialog as dlg_list shows it. `steady_now` and `wall_now` are the same
// instant on the two clocks (dialog times are steady; the listing shows
// Unix times).
Json dialog_json(const dialog::Dialog& dialog, dialog::TimePoint steady_now,
                 std::chrono::system_clock::time_point wall_now);

}  // namespace tandem::mi
