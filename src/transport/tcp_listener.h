// Internal to the transport layer: one listening TCP socket that accepts
// connections in a loop and hands each new socket to its owner.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <memory>

#include "base/result.h"
#include "transport/endpoint.h"
#include "transport/transport.h"

namespace tandem::transport::detail {

class TcpListener : public std::enable_shared_from_this<TcpListener> {
  public:
    class Owner {
      public:
        virtual void on_accepted(TcpListener& listener, asio::ip::tcp::socket socket) = 0;
        virtual ProtocolCounters& tcp_counters() = 0;

      protected:
        virtual ~Owner() = default;
    };

    // Opens, binds and listens (SO_REUSEADDR always, so a restart does not
    // wait for old connections in TIME_WAIT; SO_REUSEPORT on request). Accepts
    // nothing until start().
    static Result<std::shared_ptr<TcpListener>> open(asio::io_context& io, const Endpoint& local,
                                                     bool reuse_port, Owner& owner);

    void start();
    void detach();
    const Endpoint& local() const { return local_; }

    class Passkey {
        Passkey() = default;
        friend class TcpListener;
    };
    TcpListener(Passkey, asio::ip::tcp::acceptor acceptor, const Endpoint& local, Owner& owner);

  private:
    void accept();
    void on_accept(const std::error_code& error, asio::ip::tcp::socket socket);

    asio::ip::tcp::acceptor acceptor_;
    // Waits before accepting again after an error such as "too many open
    // files", which would otherwise repeat at once and spin.
    asio::steady_timer retry_timer_;
    Endpoint local_;
    Owner* owner_;
};

}  // namespace tandem::transport::detail
