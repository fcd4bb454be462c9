// Internal to the transport layer: one bound UDP socket that receives
// datagrams in a loop and sends datagrams synchronously.
#pragma once

#include <sys/socket.h>

#include <array>
#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <memory>
#include <string_view>

#include "base/result.h"
#include "transport/endpoint.h"
#include "transport/transport.h"

namespace tandem::transport::detail {

class UdpListener : public std::enable_shared_from_this<UdpListener> {
  public:
    // Receives what the socket reads. Outlives the listener or detaches it.
    class Owner {
      public:
        // `bytes` is valid during the call only.
        virtual void on_datagram(UdpListener& listener, std::string_view bytes,
                                 const Endpoint& source) = 0;
        virtual ProtocolCounters& udp_counters() = 0;

      protected:
        virtual ~Owner() = default;
    };

    // Opens and binds a socket (IPv6 sockets are IPv6-only, so the same port
    // can also be bound on IPv4). The listener does nothing until start().
    static Result<std::shared_ptr<UdpListener>> open(asio::io_context& io, const Endpoint& local,
                                                     bool reuse_port, Owner& owner);

    void start();

    // Sends one datagram now. A full socket buffer is an error, not a wait:
    // UDP senders in SIP retransmit.
    Status send_to(const Endpoint& destination, std::string_view bytes);

    // Closes the socket and forgets the owner; pending completions then find
    // nobody to call.
    void detach();

    // The bound address, with the port the kernel chose if 0 was asked for.
    const Endpoint& local() const { return local_; }

    // Only open() can make a Passkey, so only open() can construct; the
    // constructor is public for make_shared.
    class Passkey {
        Passkey() = default;
        friend class UdpListener;
    };
    UdpListener(Passkey, asio::ip::udp::socket socket, const Endpoint& local, Owner& owner);

  private:
    // Datagrams one recvmmsg() call may return.
    static constexpr std::size_t kBatch = 8;

    enum class Drain { empty, more, detached };

    void wait_readable();
    void on_readable(const std::error_code& error);
    // Reads what is waiting, a batch per system call, up to a bound per
    // wake-up.
    Drain drain();
    // Returns false when the owner detached the listener from its callback.
    bool deliver(std::size_t slot, std::size_t bytes);

    asio::ip::udp::socket socket_;
    Endpoint local_;
    Owner* owner_;
    // One slot per datagram of a batch. A slot holds the largest UDP payload
    // over IPv4 or IPv6, so nothing is cut. Left uninitialised: only the
    // pages the kernel writes datagrams into become resident.
    struct Slot {
        sockaddr_storage source;
        std::array<char, 65535> bytes;
    };
    std::unique_ptr<std::array<Slot, kBatch>> slots_ =
        std::make_unique_for_overwrite<std::array<Slot, kBatch>>();
};

}  // namespace tandem::transport::detail
