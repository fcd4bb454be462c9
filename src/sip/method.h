// SIP request methods as an enum, with the token spelling of each.
#pragma once

#include <cstdint>
#include <string_view>

namespace tandem::sip {

// The methods Tandem knows by name. Any other token is Method::Other and the
// message keeps its spelling (Message::method_text()).
enum class Method : std::uint8_t {
    Invite,
    Ack,
    Bye,
    Cancel,
    Register,
    Options,
    Info,
    Update,
    Prack,
    Subscribe,
    Notify,
    Refer,
    Message,
    Publish,
    Other,
};

// Method tokens are case-sensitive (RFC 3261 section 7.1): "invite" is an
// unknown method, not INVITE.
Method method_from_token(std::string_view token);

// The token of a known method; "" for Method::Other.
std::string_view method_name(Method method);

// The reason phrase RFC 3261 (and its extensions) gives a status code, e.g.
// "Not Found" for 404; "" for codes without a registered phrase.
std::string_view default_reason_phrase(int status);

}  // namespace tandem::sip
