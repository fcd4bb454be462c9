#include "proxy/admission.h"

namespace tandem::proxy {

std::size_t new_request_threshold(std::size_t max_transactions) {
    return max_transactions - max_transactions / 10;
}

Admission admit_new_request(const Load& load, const AdmissionLimits& limits, bool invite) {
    if (load.transactions >= new_request_threshold(limits.max_transactions)) {
        return Admission::too_many_transactions;
    }
    if (invite && load.dialogs >= limits.max_dialogs) return Admission::too_many_dialogs;
    if (load.unreplied_invites >= limits.max_unreplied_invites) return Admission::falling_behind;
    return Admission::admitted;
}

bool BurstTracker::drained(std::size_t held) {
    if (held > peak_) peak_ = held;
    if (peak_ < least_ || held > peak_ / 4) return false;
    peak_ = 0;
    return true;
}

}  // namespace tandem::proxy
