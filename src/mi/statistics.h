// Statistics as MI shows them: named counters and gauges in groups
// ("tm:requests_relayed"), selected with OpenSIPS's syntax and exported in
// the Prometheus text format.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "mi/registry.h"

namespace tandem::mi {

struct Statistic {
    std::string group;
    std::string name;
    std::uint64_t value = 0;
    bool gauge = false;  // a level now (active dialogs), not a count since start
};

using Statistics = std::vector<Statistic>;

// The statistics `selectors` pick, as {"group:name": value}: "all", "group:"
// (a whole group), "group:name" or "name" (in any group). Fails on a
// selector that matches nothing.
Result<Json> select_statistics(const Statistics& statistics,
                               const std::vector<std::string>& selectors);

// Whether `statistic` is picked by one of `selectors` (see select_statistics).
bool selected(const Statistic& statistic, const std::vector<std::string>& selectors);

// "# TYPE tandem_tm_requests_relayed counter\ntandem_tm_requests_relayed 12\n" ...
std::string prometheus_text(const Statistics& statistics);

}  // namespace tandem::mi
