// Questions about a SIP message that the script asks both as msg methods
// (msg:has_totag()) and as OpenSIPS-style global functions (has_totag()).
#pragma once

#include <string_view>

namespace tandem::sip {
class Message;
}

namespace tandem::script {

// The method of a request; for a reply, the method of its CSeq (what
// OpenSIPS $rm gives in a reply route). Empty when unknown.
std::string_view message_method(const sip::Message& message);

// Whether the To header has a tag: the request belongs to a dialog.
bool has_to_tag(const sip::Message& message);

// is_method("INVITE|BYE"): whether the method is one of the '|'-separated
// names, compared without regard to case as OpenSIPS does.
bool is_method_one_of(const sip::Message& message, std::string_view choices);

}  // namespace tandem::script
