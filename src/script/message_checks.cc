#include "script/message_checks.h"

#include "base/strings.h"
#include "sip/message.h"

namespace tandem::script {

std::string_view message_method(const sip::Message& message) {
    if (message.is_request()) return message.method_text();
    auto cseq = message.cseq();
    return cseq ? cseq->method_text : std::string_view{};
}

bool has_to_tag(const sip::Message& message) {
    auto to = message.to();
    return to && !to->tag.empty();
}

bool is_method_one_of(const sip::Message& message, std::string_view choices) {
    const std::string_view method = message_method(message);
    if (method.empty()) return false;
    while (true) {
        const std::size_t bar = choices.find('|');
        if (iequals(trim(choices.substr(0, bar)), method)) return true;
        if (bar == std::string_view::npos) return false;
        choices.remove_prefix(bar + 1);
    }
}

}  // namespace tandem::script
