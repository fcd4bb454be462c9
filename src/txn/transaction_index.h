// The hash index of a transaction table: (hash, slot) pairs in one
// open-addressing array with linear probing, so adding and removing a
// transaction allocates nothing (the array only grows, by doubling, when the
// table reaches a new high-water mark). Several slots may share a hash; the
// caller verifies each candidate with the full matching rules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tandem::txn {

class TransactionIndex {
  public:
    static constexpr std::uint32_t kNoSlot = UINT32_MAX;

    explicit TransactionIndex(std::size_t initial_capacity = 64);

    void insert(std::uint64_t hash, std::uint32_t slot);
    // Removes the entry (hash, slot); returns false when there is none.
    bool erase(std::uint64_t hash, std::uint32_t slot);

    // The first slot with this hash for which `accept(slot)` is true, or
    // kNoSlot.
    template <typename Accept>
    std::uint32_t find(std::uint64_t hash, Accept&& accept) const {
        for (std::size_t i = home(hash); entries_[i].slot != kNoSlot; i = (i + 1) & mask_) {
            if (entries_[i].hash == hash && accept(entries_[i].slot)) return entries_[i].slot;
        }
        return kNoSlot;
    }

    std::size_t size() const { return size_; }
    std::size_t capacity() const { return entries_.size(); }

  private:
    struct Entry {
        std::uint64_t hash = 0;
        std::uint32_t slot = kNoSlot;  // kNoSlot: empty
    };
    std::size_t home(std::uint64_t hash) const {
        // The low bits of the FNV-based hashes are well mixed; fold the high
        // half in anyway so a weak caller hash still spreads.
        return static_cast<std::size_t>(hash ^ (hash >> 32)) & mask_;
    }
    void grow();

    std::vector<Entry> entries_;
    std::size_t mask_;
    std::size_t size_ = 0;
};

}  // namespace tandem::txn
