// Feeds arbitrary bytes to the SIP message parser and then touches every
// structured accessor, the validator, the stream framer, the line scan that
// answers unparseable requests and the edit list, so the lazy parsers are
// fuzzed too. A derived message must parse again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sip/message.h"
#include "sip/raw_request.h"
#include "sip/validate.h"
#include "sip/writer.h"

namespace {

using namespace tandem::sip;

void touch_everything(const Message& message) {
    (void)message.request_uri();
    (void)message.vias();
    (void)message.top_via();
    (void)message.contacts();
    (void)message.routes();
    (void)message.record_routes();
    (void)message.from();
    (void)message.to();
    (void)message.call_id();
    (void)message.cseq();
    (void)message.max_forwards();
    (void)message.content_length();
    (void)message.expires();
    (void)message.content_type();
    (void)message.event();
    (void)message.refer_to();
    (void)message.referred_by();
    (void)message.replaces();
    (void)message.session_expires();
    (void)message.min_se();
    (void)message.tokens(HeaderId::Supported);
    (void)message.has_token(HeaderId::Require, "timer");
    (void)message.body();
    for (std::size_t i = 0; i < message.header_count(); ++i)
        (void)message.header_at(i);
    (void)validate(message);
    (void)validate(message, ValidationOptions{.require_max_forwards = true, .stream = true});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    (void)frame_stream(bytes);
    // What answers a request the parser refuses is built from a line scan of
    // the same bytes.
    if (auto head = scan_request_head(bytes)) {
        const std::string answer = raw_response(*head, 400, "Bad Request", "fuzz");
        if (!answer.starts_with("SIP/2.0 400 Bad Request\r\n") || head->method == "ACK")
            std::abort();
    }

    auto parsed = Message::parse(bytes);
    if (!parsed.ok()) return 0;
    const Message& message = *parsed;
    touch_everything(message);

    EditList edits(message);
    edits.prepend_via("SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKfuzz");
    edits.remove_first_value(HeaderId::Route);
    edits.add(HeaderId::RecordRoute, "<sip:127.0.0.1;lr>", EditList::Position::Top);
    if (message.is_request()) edits.set_request_uri("sip:fuzz@127.0.0.1");
    edits.set_body("application/sdp", "v=0\r\n");
    std::string derived = edits.serialize();
    auto reparsed = Message::parse(derived);
    // Edits of a message that parsed must give a message that parses, unless
    // the four lines they may add (Via, Record-Route, Content-Type,
    // Content-Length) push it past the header limit.
    if (!reparsed.ok()) {
        if (message.header_count() + 4 > kMaxHeaderLines) return 0;
        std::abort();
    }
    touch_everything(*reparsed);
    return 0;
}
