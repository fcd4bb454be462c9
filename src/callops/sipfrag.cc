#include "callops/sipfrag.h"

#include "base/strings.h"

namespace tandem::callops {

Result<SipFragStatus> parse_sipfrag(std::string_view body) {
    constexpr std::string_view kVersion = "SIP/2.0 ";
    const std::string_view line = body.substr(0, std::min(body.find_first_of("\r\n"), body.size()));
    if (!line.starts_with(kVersion)) return make_error("Body is not a sipfrag", 400);
    const std::string_view status = trim(line.substr(kVersion.size()));
    if (status.size() < 3) return make_error("Bad sipfrag status", 400);
    int code = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        const char c = status[i];
        if (c < '0' || c > '9') return make_error("Bad sipfrag status", 400);
        code = code * 10 + (c - '0');
    }
    if (code < 100 || (status.size() > 3 && status[3] != ' ')) {
        return make_error("Bad sipfrag status", 400);
    }
    return SipFragStatus{code, status};
}

}  // namespace tandem::callops
