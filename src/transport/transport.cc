#include "transport/transport.h"

namespace tandem::transport {

std::string_view to_string(CloseReason reason) {
    switch (reason) {
        case CloseReason::peer_closed:
            return "closed by peer";
        case CloseReason::idle_timeout:
            return "idle timeout";
        case CloseReason::connect_failed:
            return "connect failed";
        case CloseReason::io_error:
            return "I/O error";
        case CloseReason::framing_error:
            return "framing error";
        case CloseReason::write_queue_full:
            return "write queue full";
    }
    return "unknown";
}

}  // namespace tandem::transport
