// Feeds arbitrary bytes to the sipfrag reader of NOTIFY bodies (RFC 3515):
// whatever it accepts must be a status line it could read again, with a
// code of three digits and a status that is a view into the body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "callops/sipfrag.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using tandem::callops::parse_sipfrag;
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    auto status = parse_sipfrag(body);
    if (!status.ok()) {
        if (status.error().status != 400) std::abort();
        return 0;
    }
    if (!body.starts_with("SIP/2.0 ") || status->code < 100 || status->code > 999) std::abort();
    const std::string_view text = status->status;
    if (text.size() < 3 || text.data() < body.data() ||
        text.data() + text.size() > body.data() + body.size())
        std::abort();
    if (std::to_string(status->code) != text.substr(0, 3)) std::abort();
    // The status line alone reads the same.
    const std::string line = "SIP/2.0 " + std::string(text);
    auto again = parse_sipfrag(line);
    if (!again.ok() || again->code != status->code || again->status != text) std::abort();
    return 0;
}
