#include "txn/state.h"

namespace tandem::txn {

std::string_view to_string(State state) {
    switch (state) {
        case State::Calling:
            return "Calling";
        case State::Trying:
            return "Trying";
        case State::Proceeding:
            return "Proceeding";
        case State::Accepted:
            return "Accepted";
        case State::Completed:
            return "Completed";
        case State::Confirmed:
            return "Confirmed";
        case State::Terminated:
            return "Terminated";
    }
    return "?";
}

}  // namespace tandem::txn
