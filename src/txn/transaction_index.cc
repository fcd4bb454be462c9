#include "txn/transaction_index.h"

#include <bit>
#include <utility>

namespace tandem::txn {

TransactionIndex::TransactionIndex(std::size_t initial_capacity) {
    const std::size_t capacity =
        std::bit_ceil(initial_capacity < 8 ? std::size_t{8} : initial_capacity);
    entries_.resize(capacity);
    mask_ = capacity - 1;
}

void TransactionIndex::insert(std::uint64_t hash, std::uint32_t slot) {
    // Keep the load at most one half: probe sequences stay short.
    if ((size_ + 1) * 2 > entries_.size()) grow();
    std::size_t i = home(hash);
    while (entries_[i].slot != kNoSlot)
        i = (i + 1) & mask_;
    entries_[i] = Entry{hash, slot};
    ++size_;
}

bool TransactionIndex::erase(std::uint64_t hash, std::uint32_t slot) {
    std::size_t i = home(hash);
    while (entries_[i].slot != kNoSlot && !(entries_[i].hash == hash && entries_[i].slot == slot)) {
        i = (i + 1) & mask_;
    }
    if (entries_[i].slot == kNoSlot) return false;
    // Backward-shift deletion: pull later entries of the probe run into the
    // hole when their home position allows it, so no tombstones build up.
    std::size_t hole = i;
    for (std::size_t j = (i + 1) & mask_; entries_[j].slot != kNoSlot; j = (j + 1) & mask_) {
        const std::size_t want = home(entries_[j].hash);
        // Entry j may move to the hole when its home is not in (hole, j]
        // (cyclically).
        const bool home_after_hole =
            hole <= j ? (want > hole && want <= j) : (want > hole || want <= j);
        if (!home_after_hole) {
            entries_[hole] = entries_[j];
            hole = j;
        }
    }
    entries_[hole] = Entry{};
    --size_;
    return true;
}

void TransactionIndex::grow() {
    std::vector<Entry> old = std::exchange(entries_, std::vector<Entry>(entries_.size() * 2));
    mask_ = entries_.size() - 1;
    size_ = 0;
    for (const Entry& entry : old) {
        if (entry.slot != kNoSlot) insert(entry.hash, entry.slot);
    }
}

}  // namespace tandem::txn
