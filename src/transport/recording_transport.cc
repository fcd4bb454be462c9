#include "transport/recording_transport.h"

#include <utility>

namespace tandem::transport {

RecordingTransport::RecordingTransport(std::vector<Endpoint> local_endpoints)
    : local_endpoints_(std::move(local_endpoints)) {}

Status RecordingTransport::send(const Endpoint& destination, std::string_view bytes,
                                const SendOptions& options) {
    if (failure_) return *failure_;
    sent_.push_back(Sent{destination, std::string{bytes}, options});
    return {};
}

}  // namespace tandem::transport
