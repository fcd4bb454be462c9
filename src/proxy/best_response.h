// RFC 3261 section 16.7 step 6: which of the final responses collected from
// the branches of a request the proxy forwards upstream.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

namespace tandem::proxy {

// The index (into `statuses`, final status codes 300-699 received on the
// branches in order) of the response to forward: a 6xx if any (the first);
// else one of the lowest class, preferring within 4xx the responses that
// tell the caller how to retry (401, 407, 415, 420, 484); else the first of
// that class. nullopt for an empty list (the caller answers 408 then).
std::optional<std::size_t> best_response(std::span<const int> statuses);

// The status the proxy forwards for a chosen response: a 503 becomes 500,
// because a 503 would tell the caller that this proxy, not just that
// destination, is unavailable (16.7 step 6).
int forwarded_status(int chosen_status);

}  // namespace tandem::proxy
