// A Transport that sends nothing and remembers every message it was given,
// for unit tests of the layers above (transactions, proxy) that must see
// what would have gone on the wire without opening sockets.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "transport/endpoint.h"
#include "transport/transport.h"

namespace tandem::transport {

class RecordingTransport final : public Transport {
  public:
    struct Sent {
        Endpoint destination;
        std::string bytes;
        SendOptions options;
    };

    explicit RecordingTransport(std::vector<Endpoint> local_endpoints = {});

    // Records the message, or refuses it with the error set by fail_sends().
    // Refused messages are not recorded, as a real transport would not have
    // sent them either.
    Status send(const Endpoint& destination, std::string_view bytes,
                const SendOptions& options) override;
    std::span<const Endpoint> local_endpoints() const override { return local_endpoints_; }

    const std::vector<Sent>& sent() const { return sent_; }
    void clear() { sent_.clear(); }

    // Every later send() returns `error`, until fail_sends(std::nullopt).
    void fail_sends(std::optional<Error> error) { failure_ = std::move(error); }

  private:
    std::vector<Endpoint> local_endpoints_;
    std::vector<Sent> sent_;
    std::optional<Error> failure_;
};

}  // namespace tandem::transport
