// Handles the transaction user holds: small values naming a slot of the
// worker's transaction table and the generation of that slot. A handle whose
// transaction has ended is stale: the slot's generation has moved on, so
// every call with it fails cleanly (no dangling pointer, no reuse by a later
// transaction) and costs one array index and one comparison.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

namespace tandem::txn {

class TransactionId {
  public:
    constexpr TransactionId() = default;
    constexpr TransactionId(std::uint32_t index, std::uint32_t generation)
        : index_(index), generation_(generation) {}

    // Slot numbers are dense (0 .. the most transactions alive at once), so
    // a TU may keep its per-transaction state in a vector indexed by them.
    constexpr std::uint32_t index() const { return index_; }
    constexpr std::uint32_t generation() const { return generation_; }
    // Generation 0 is never used: a default TransactionId names nothing.
    constexpr explicit operator bool() const { return generation_ != 0; }

    // One 64-bit value (for SendOptions::tag and timer callbacks).
    constexpr std::uint64_t value() const { return (std::uint64_t{generation_} << 32) | index_; }
    static constexpr TransactionId from_value(std::uint64_t value) {
        return TransactionId(static_cast<std::uint32_t>(value & 0xffffffffU),
                             static_cast<std::uint32_t>(value >> 32));
    }

    friend constexpr bool operator==(TransactionId, TransactionId) = default;

  private:
    std::uint32_t index_ = 0;
    std::uint32_t generation_ = 0;
};

// A server transaction (a request this server received and answers).
class ServerTransaction {
  public:
    constexpr ServerTransaction() = default;
    constexpr explicit ServerTransaction(TransactionId id) : id_(id) {}
    constexpr TransactionId id() const { return id_; }
    constexpr explicit operator bool() const { return static_cast<bool>(id_); }
    friend constexpr bool operator==(ServerTransaction, ServerTransaction) = default;

  private:
    TransactionId id_;
};

// A client transaction (a request this server sent).
class ClientTransaction {
  public:
    constexpr ClientTransaction() = default;
    constexpr explicit ClientTransaction(TransactionId id) : id_(id) {}
    constexpr TransactionId id() const { return id_; }
    constexpr explicit operator bool() const { return static_cast<bool>(id_); }
    friend constexpr bool operator==(ClientTransaction, ClientTransaction) = default;

  private:
    TransactionId id_;
};

}  // namespace tandem::txn

template <>
struct std::hash<tandem::txn::TransactionId> {
    std::size_t operator()(tandem::txn::TransactionId id) const noexcept {
        return std::hash<std::uint64_t>{}(id.value());
    }
};
template <>
struct std::hash<tandem::txn::ServerTransaction> {
    std::size_t operator()(tandem::txn::ServerTransaction txn) const noexcept {
        return std::hash<tandem::txn::TransactionId>{}(txn.id());
    }
};
template <>
struct std::hash<tandem::txn::ClientTransaction> {
    std::size_t operator()(tandem::txn::ClientTransaction txn) const noexcept {
        return std::hash<tandem::txn::TransactionId>{}(txn.id());
    }
};
