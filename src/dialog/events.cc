#include "dialog/events.h"

#include <charconv>

namespace tandem::dialog {

std::string dialog_id_text(DialogId id) {
    char digits[16];
    const auto result = std::to_chars(std::begin(digits), std::end(digits), id, 16);
    return std::string(digits, result.ptr);
}

std::optional<DialogId> parse_dialog_id(std::string_view text) {
    if (text.empty() || text.size() > 16) return std::nullopt;
    DialogId id = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), id, 16);
    if (result.ec != std::errc{} || result.ptr != text.data() + text.size()) return std::nullopt;
    return id;
}

StateChangedEvent make_state_changed_event(const Dialog& dialog, const StateChange& change) {
    StateChangedEvent event;
    event.id = dialog_id_text(dialog.id());
    event.db_id = dialog.id();
    event.callid = std::string(dialog.call_id());
    event.from_tag = std::string(dialog.leg(Side::Caller).tag);
    event.to_tag = std::string(dialog.leg(Side::Callee).tag);
    event.old_state = state_number(change.from);
    event.new_state = state_number(change.to);
    return event;
}

}  // namespace tandem::dialog
