#include "dialog/dialog_table.h"

#include <functional>

namespace tandem::dialog {

namespace {
constexpr std::uint64_t kSerialMask = (std::uint64_t{1} << kDialogIdShardShift) - 1;
}  // namespace

DialogTable::DialogTable(std::uint16_t shard, DialogOptions defaults)
    : shard_(shard), defaults_(defaults) {}

std::uint64_t DialogTable::hash_call_id(std::string_view call_id) {
    return std::hash<std::string_view>{}(call_id);
}

Result<Creation> DialogTable::create(const sip::Message& invite, Destination caller, TimePoint now,
                                     const RelayedBody& relayed) {
    return create(invite, caller, now, defaults_, relayed);
}

Result<Creation> DialogTable::create(const sip::Message& invite, Destination caller, TimePoint now,
                                     const DialogOptions& options, const RelayedBody& relayed) {
    if (const auto from = invite.from(); from && !from->tag.empty()) {
        if (Dialog* existing = find_initial(invite.call_id(), from->tag)) {
            return Creation{existing, true};
        }
    }
    const DialogId id =
        (std::uint64_t{shard_} << kDialogIdShardShift) | (next_serial_ & kSerialMask);
    auto dialog = Dialog::from_initial_invite(id, invite, caller, now, options, relayed);
    if (!dialog) return dialog.error();
    ++next_serial_;
    auto [slot, inserted] = dialogs_.try_emplace(id, std::move(*dialog));
    if (!inserted) return make_error("dialog id in use", 500);  // after 2^48 dialogs
    Dialog* stored = &slot->second;
    by_call_id_.emplace(hash_call_id(stored->call_id()), stored);
    return Creation{stored, false};
}

Dialog* DialogTable::find(DialogId id) {
    const auto found = dialogs_.find(id);
    return found == dialogs_.end() ? nullptr : &found->second;
}

const Dialog* DialogTable::find(DialogId id) const {
    const auto found = dialogs_.find(id);
    return found == dialogs_.end() ? nullptr : &found->second;
}

Dialog* DialogTable::find_by_call_id(std::string_view call_id) {
    // The oldest first, so the listing order is stable for a call whose
    // Call-ID also has later dialogs.
    Dialog* oldest = nullptr;
    const auto [begin, end] = by_call_id_.equal_range(hash_call_id(call_id));
    for (auto it = begin; it != end; ++it) {
        Dialog* dialog = it->second;
        if (dialog->call_id() == call_id && (oldest == nullptr || dialog->id() < oldest->id())) {
            oldest = dialog;
        }
    }
    return oldest;
}

std::optional<DialogMatch> DialogTable::find(std::string_view call_id, std::string_view from_tag,
                                             std::string_view to_tag) {
    const auto [begin, end] = by_call_id_.equal_range(hash_call_id(call_id));
    for (auto it = begin; it != end; ++it) {
        if (auto sender = it->second->sender(call_id, from_tag, to_tag)) {
            return DialogMatch{it->second, *sender};
        }
    }
    return std::nullopt;
}

std::optional<DialogMatch> DialogTable::find(const sip::Message& request) {
    const auto from = request.from();
    const auto to = request.to();
    if (!from || !to) return std::nullopt;
    return find(request.call_id(), from->tag, to->tag);
}

Dialog* DialogTable::find_initial(std::string_view call_id, std::string_view from_tag) {
    const auto [begin, end] = by_call_id_.equal_range(hash_call_id(call_id));
    for (auto it = begin; it != end; ++it) {
        Dialog* dialog = it->second;
        const State state = dialog->state();
        if ((state == State::Unconfirmed || state == State::Early) &&
            dialog->call_id() == call_id && dialog->leg(Side::Caller).tag == from_tag) {
            return dialog;
        }
    }
    return nullptr;
}

bool DialogTable::erase(DialogId id) {
    const auto found = dialogs_.find(id);
    if (found == dialogs_.end()) return false;
    const auto [begin, end] = by_call_id_.equal_range(hash_call_id(found->second.call_id()));
    for (auto it = begin; it != end; ++it) {
        if (it->second == &found->second) {
            by_call_id_.erase(it);
            break;
        }
    }
    dialogs_.erase(found);
    return true;
}

std::size_t DialogTable::memory_bytes() const {
    // A node of either map holds its value and a next pointer (libstdc++
    // caches no hash for integer keys); a bucket is one pointer.
    const std::size_t node_overhead = sizeof(void*);
    std::size_t bytes =
        dialogs_.size() * (sizeof(std::pair<const DialogId, Dialog>) + node_overhead) +
        by_call_id_.size() * (sizeof(std::pair<const std::uint64_t, Dialog*>) + node_overhead) +
        (dialogs_.bucket_count() + by_call_id_.bucket_count()) * sizeof(void*);
    for (const auto& [id, dialog] : dialogs_)
        bytes += dialog.heap_bytes();
    return bytes;
}

}  // namespace tandem::dialog
