#include "proxy/best_response.h"

namespace tandem::proxy {
namespace {

bool tells_how_to_retry(int status) {
    return status == 401 || status == 407 || status == 415 || status == 420 || status == 484;
}

}  // namespace

std::optional<std::size_t> best_response(std::span<const int> statuses) {
    if (statuses.empty()) return std::nullopt;
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < statuses.size(); ++i) {
        const int status = statuses[i];
        if (status >= 600) return i;
        if (!best) {
            best = i;
            continue;
        }
        const int best_status = statuses[*best];
        if (status / 100 < best_status / 100) {
            best = i;
        } else if (status / 100 == 4 && best_status / 100 == 4 && tells_how_to_retry(status) &&
                   !tells_how_to_retry(best_status)) {
            best = i;
        }
    }
    return best;
}

int forwarded_status(int chosen_status) {
    return chosen_status == 503 ? 500 : chosen_status;
}

}  // namespace tandem::proxy
