#include "dialog/types.h"

namespace tandem::dialog {

std::string_view side_name(Side side) {
    return side == Side::Caller ? "caller" : "callee";
}

std::optional<Side> side_from_name(std::string_view name) {
    if (name == "caller") return Side::Caller;
    if (name == "callee") return Side::Callee;
    return std::nullopt;
}

std::string_view state_name(State state) {
    switch (state) {
        case State::Unconfirmed:
            return "unconfirmed";
        case State::Early:
            return "early";
        case State::ConfirmedNoAck:
            return "confirmed_na";
        case State::Confirmed:
            return "confirmed";
        case State::Deleted:
            return "deleted";
    }
    return "unknown";
}

std::string_view end_reason_name(EndReason reason) {
    switch (reason) {
        case EndReason::None:
            return "none";
        case EndReason::Failed:
            return "failed";
        case EndReason::Cancelled:
            return "cancelled";
        case EndReason::ByeByCaller:
            return "bye_by_caller";
        case EndReason::ByeByCallee:
            return "bye_by_callee";
        case EndReason::Timeout:
            return "timeout";
        case EndReason::Terminated:
            return "terminated";
        case EndReason::Transferred:
            return "transferred";
    }
    return "unknown";
}

std::string cseq_value(std::uint32_t number, std::string_view method) {
    std::string value = std::to_string(number);
    value.push_back(' ');
    value.append(method);
    return value;
}

}  // namespace tandem::dialog
