// Overload protection: whether a new request may create state (a
// transaction, a dialog) or is refused before any is made. Memory then has
// a bound set by the operator, and what is admitted completes instead of
// every call slowing down together.
#pragma once

#include <cstddef>
#include <string_view>

namespace tandem::proxy {

// The defaults of the process-wide caps (modparams tm max_transactions and
// max_unreplied_invites, dialog max_dialogs).
inline constexpr std::size_t kDefaultMaxTransactions = 1'000'000;
inline constexpr std::size_t kDefaultMaxDialogs = 250'000;
inline constexpr std::size_t kDefaultMaxUnrepliedInvites = 3000;

// One worker's share of a process-wide cap: calls are spread evenly over
// the workers by their Call-ID.
inline std::size_t worker_share(std::size_t total, std::size_t workers) {
    return workers > 1 ? (total + workers - 1) / workers : total;
}

// The caps of one worker (the process-wide parameters divided among the
// workers).
struct AdmissionLimits {
    // Transactions alive, server and client, lingering ones included. New
    // requests outside dialogs are refused from nine tenths of it on: the
    // last tenth is kept for requests within calls already set up (BYE,
    // re-INVITE) and for CANCELs, so that admitted calls can still end.
    std::size_t max_transactions = 0;
    // Dialogs in the table, ended ones still lingering included. A new
    // INVITE is refused once it is reached.
    std::size_t max_dialogs = 0;
    // INVITE branches relayed that have had no reply at all yet, not even
    // 100 Trying. Next hops answer within a round trip, so this grows when
    // their replies wait behind requests Tandem has not read yet: it is
    // falling behind. New requests are refused from this many on, so that
    // the calls already admitted get the time to complete.
    std::size_t max_unreplied_invites = 0;
};

// What one worker holds now.
struct Load {
    std::size_t transactions = 0;
    std::size_t dialogs = 0;
    std::size_t unreplied_invites = 0;
};

enum class Admission { admitted, too_many_transactions, too_many_dialogs, falling_behind };

// The verdict for a request outside any dialog (no To tag; not ACK or
// CANCEL). `invite`: it may create a dialog.
Admission admit_new_request(const Load& load, const AdmissionLimits& limits, bool invite);

// The start of the To tag of every refusal (Tandem's own tags are hex). The
// caller ACKs the 503, and the ACK carries the tag back: such an ACK belongs
// to nothing and is dropped at once, as Kamailio's sl module absorbs the
// ACKs of its stateless replies, instead of costing a route run per refusal.
inline constexpr std::string_view kRefusalTagPrefix = "ovl-";

// The threshold from which new requests are refused.
std::size_t new_request_threshold(std::size_t max_transactions);

// Tells when a burst of state has drained, so that the memory it used can
// be handed back to the system. The allocator keeps freed memory for reuse
// (glibc returns only the free top of a heap), so after an overload the
// process would keep its peak size for good; trimming is worth its cost
// (a walk over the heaps) only once most of a large peak is gone.
class BurstTracker {
  public:
    // Peaks below `least` (transactions plus dialogs) are not worth a trim.
    explicit BurstTracker(std::size_t least) : least_(least) {}

    // Called periodically with the state held now. True when, since the
    // last true, the state peaked at `least` or more and has now fallen
    // to a quarter of that peak or less.
    bool drained(std::size_t held);

  private:
    std::size_t least_;
    std::size_t peak_ = 0;
};

}  // namespace tandem::proxy
