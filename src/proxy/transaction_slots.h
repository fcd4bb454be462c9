// Per-transaction state of a transaction user, in a vector indexed by the
// transaction layer's dense slot numbers: a lookup is an index and a
// generation compare, not a hash. An entry belongs to one transaction; a
// later transaction reusing the slot does not see it (its generation
// differs) and replaces it.
//
// Values live inline: a value whose address must stay put while other
// entries are added (the vector may grow) should be a std::unique_ptr.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "txn/handles.h"

namespace tandem::proxy {

template <typename T>
class TransactionSlots {
  public:
    // The value of transaction `id`, or nullptr.
    T* find(txn::TransactionId id) {
        if (id.index() >= entries_.size()) return nullptr;
        Entry& entry = entries_[id.index()];
        return entry.value && entry.id == id ? &*entry.value : nullptr;
    }

    // Sets the value of `id`, replacing what its slot held.
    T& assign(txn::TransactionId id, T value) {
        if (id.index() >= entries_.size()) entries_.resize(id.index() + 1);
        Entry& entry = entries_[id.index()];
        if (!entry.value) ++count_;
        entry.id = id;
        entry.value.emplace(std::move(value));
        return *entry.value;
    }

    // Whether `id` had a value.
    bool erase(txn::TransactionId id) {
        if (find(id) == nullptr) return false;
        entries_[id.index()].value.reset();
        --count_;
        return true;
    }

    std::size_t size() const { return count_; }

    // fn(const T&) for every value.
    template <typename Fn>
    void for_each(Fn&& fn) const {
        for (const Entry& entry : entries_) {
            if (entry.value) fn(*entry.value);
        }
    }

  private:
    struct Entry {
        txn::TransactionId id;
        std::optional<T> value;
    };
    std::vector<Entry> entries_;
    std::size_t count_ = 0;
};

}  // namespace tandem::proxy
