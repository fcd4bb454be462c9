// The seam between the proxy and call control (src/callops/): what a module
// above the proxy may see and decide about the messages the proxy handles,
// without the proxy knowing the module. The proxy calls a CallHooks it was
// given (Proxy::set_call_hooks); the module implements it.
//
//   before_route      every request except ACK and CANCEL, before the
//                     request route runs: the hook may answer it itself (the
//                     script never sees it), rewrite its Request-URI (the
//                     script and the relay see the new one), and ask to be
//                     told the final reply the request gets (a watch).
//   on_watched_final  the final reply a watched request got, relayed or made
//                     by the proxy, once; status 0 when the script dropped
//                     the request (no final reply will come).
//   on_dialog_state   every dialog state change (after the dialog event sink).
//
// Replies to Tandem's own in-dialog requests reach their sender through the
// handler given to Proxy::send_in_dialog, not through this interface.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dialog/dialog_table.h"
#include "sip/message.h"

namespace tandem::proxy {

// What a hook decided for a request.
struct RequestVerdict {
    // Non-zero: the proxy answers the request with this status (and
    // `reason`, the default phrase when empty) and does not run the script.
    int reply_status = 0;
    std::string reply_reason;
    // The Request-URI the script starts from (msg.ruri) and the request is
    // relayed with, unless the script sets another.
    std::optional<std::string> request_uri;
    // Non-zero: report the request's final reply to on_watched_final with
    // this value.
    std::uint64_t watch = 0;
};

// A final reply to a request, as the proxy sent it upstream.
struct FinalReply {
    int status = 0;
    std::string_view reason;
    std::string_view call_id;  // of the request
};

class CallHooks {
  public:
    virtual ~CallHooks() = default;

    // `in_dialog` is set when the request matched a tracked dialog.
    virtual RequestVerdict before_route(const sip::Message& request,
                                        const std::optional<dialog::DialogMatch>& in_dialog) = 0;
    virtual void on_watched_final(std::uint64_t watch, const FinalReply& reply) = 0;
    virtual void on_dialog_state(const dialog::Dialog& dialog,
                                 const dialog::StateChange& change) = 0;
};

// The final reply to a request Tandem sent into a dialog
// (Proxy::send_in_dialog): from the network (`message` set), or made by the
// transaction layer when none came (timeout 408, transport failure 503;
// `message` null).
struct GeneratedReply {
    int status = 0;
    std::string_view reason;
    const sip::Message* message = nullptr;
};

}  // namespace tandem::proxy
