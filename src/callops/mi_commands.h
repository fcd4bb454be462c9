// The MI commands of callops (docs/callops.md): call_transfer, call_hold,
// call_unhold. Each runs on the worker that owns the call, through the
// service the app gives; an attended transfer first asks the worker of
// call B for its tags.
#pragma once

#include <cstddef>
#include <functional>

#include "base/result.h"
#include "callops/call_ops.h"
#include "mi/registry.h"

namespace tandem::callops {

struct MiServices {
    std::size_t shard_count = 1;
    // Runs `work` on the CallOps of worker `shard` and waits for its result.
    std::function<Result<mi::Json>(std::size_t shard,
                                   std::function<Result<mi::Json>(CallOps&)> work)>
        run_on;
};

Status add_mi_commands(mi::Registry& registry, MiServices services);

}  // namespace tandem::callops
