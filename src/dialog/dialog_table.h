// The dialogs of one worker shard: creation with a process-unique id,
// lookup by id and by Call-ID and tags (in either direction), erase, and
// iteration for listings. Owned by its worker; not synchronised.
//
// Dialogs live in node-based storage, so a Dialog* stays valid until that
// dialog is erased, whatever else is inserted or erased.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "base/result.h"
#include "dialog/dialog.h"

namespace tandem::dialog {

// A request matched to a dialog, and which leg sent it.
struct DialogMatch {
    Dialog* dialog = nullptr;
    Side sender = Side::Caller;
};

// The result of DialogTable::create.
struct Creation {
    Dialog* dialog = nullptr;
    // The INVITE came back through Tandem (a spiral, RFC 3261 section
    // 16.3): same Call-ID and From tag as a dialog still unconfirmed. That
    // dialog is returned; no new one is made.
    bool spiral = false;
};

class DialogTable {
  public:
    // `shard` goes into the top bits of every id the table hands out, so an
    // id tells which worker owns the dialog (shard_of()).
    explicit DialogTable(std::uint16_t shard, DialogOptions defaults = {});
    DialogTable(const DialogTable&) = delete;
    DialogTable& operator=(const DialogTable&) = delete;

    std::uint16_t shard() const { return shard_; }
    const DialogOptions& defaults() const { return defaults_; }

    // Creates the dialog of an initial INVITE (see Dialog::from_initial_invite)
    // with the table's default options.
    Result<Creation> create(const sip::Message& invite, Destination caller, TimePoint now,
                            const RelayedBody& relayed = {});
    Result<Creation> create(const sip::Message& invite, Destination caller, TimePoint now,
                            const DialogOptions& options, const RelayedBody& relayed = {});

    Dialog* find(DialogId id);
    const Dialog* find(DialogId id) const;
    // The first dialog with this Call-ID (MI commands name calls by Call-ID).
    Dialog* find_by_call_id(std::string_view call_id);
    // The dialog an in-dialog request belongs to (RFC 3261 section 12.2.2),
    // from its Call-ID and tags, whichever leg sent it.
    std::optional<DialogMatch> find(std::string_view call_id, std::string_view from_tag,
                                    std::string_view to_tag);
    std::optional<DialogMatch> find(const sip::Message& request);
    // The unconfirmed dialog a CANCEL for the initial INVITE (no To tag)
    // belongs to.
    Dialog* find_initial(std::string_view call_id, std::string_view from_tag);

    bool erase(DialogId id);
    std::size_t size() const { return dialogs_.size(); }
    bool empty() const { return dialogs_.empty(); }

    // Calls fn(const Dialog&) for every dialog, in no particular order. The
    // table must not change during the walk.
    template <typename Fn>
    void for_each(Fn&& fn) const {
        for (const auto& [id, dialog] : dialogs_)
            fn(dialog);
    }

    // Heap bytes the table holds: its nodes (the Dialog objects included),
    // buckets and every dialog's heap_bytes(). Computed from sizes, without
    // allocator overhead.
    std::size_t memory_bytes() const;

  private:
    static std::uint64_t hash_call_id(std::string_view call_id);

    std::uint16_t shard_;
    DialogOptions defaults_;
    std::uint64_t next_serial_ = 1;
    std::unordered_map<DialogId, Dialog> dialogs_;
    // Call-ID hash to dialog; the Call-ID itself is compared on lookup.
    std::unordered_multimap<std::uint64_t, Dialog*> by_call_id_;
};

}  // namespace tandem::dialog
