// The E_DLG_STATE_CHANGED event of a state transition, as OpenSIPS raises it:
// a plain value the proxy hands to the event layer (script event routes,
// external subscribers). The dialog layer has no bus of its own.
#pragma once

#include <cstdint>
#include <string>

#include "dialog/dialog.h"

namespace tandem::dialog {

inline constexpr std::string_view kStateChangedEvent = "E_DLG_STATE_CHANGED";

struct StateChangedEvent {
    std::string id;           // the dialog id in hexadecimal
    std::uint64_t db_id = 0;  // the same id as a number
    std::string callid;
    std::string from_tag;  // the caller's tag
    std::string to_tag;    // the callee's tag; empty while unconfirmed
    int old_state = 0;     // OpenSIPS state numbers (see State)
    int new_state = 0;

    friend bool operator==(const StateChangedEvent&, const StateChangedEvent&) = default;
};

StateChangedEvent make_state_changed_event(const Dialog& dialog, const StateChange& change);

// The dialog id as OpenSIPS prints it in events and listings: lowercase hex.
std::string dialog_id_text(DialogId id);
// The inverse of dialog_id_text (MI commands take the id as text).
std::optional<DialogId> parse_dialog_id(std::string_view text);

}  // namespace tandem::dialog
