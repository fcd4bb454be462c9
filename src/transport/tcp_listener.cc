#include "transport/tcp_listener.h"

#include <asio/error.hpp>
#include <asio/ip/v6_only.hpp>
#include <chrono>

#include "transport/asio_util.h"

namespace tandem::transport::detail {

namespace {

constexpr auto kAcceptRetryDelay = std::chrono::milliseconds{100};

}  // namespace

Result<std::shared_ptr<TcpListener>> TcpListener::open(asio::io_context& io, const Endpoint& local,
                                                       bool reuse_port, Owner& owner) {
    const auto endpoint = to_asio_endpoint<asio::ip::tcp>(local);
    const std::string where = "TCP listener " + local.to_string();
    asio::ip::tcp::acceptor acceptor{io};
    std::error_code error;
    acceptor.open(endpoint.protocol(), error);
    if (error) return socket_error(where, error, 500);
    acceptor.set_option(asio::socket_base::reuse_address{true}, error);
    if (error) return socket_error(where, error, 500);
    if (local.address.is_v6()) {
        acceptor.set_option(asio::ip::v6_only{true}, error);
        if (error) return socket_error(where, error, 500);
    }
    if (reuse_port) {
        acceptor.set_option(ReusePort{true}, error);
        if (error) return socket_error(where, error, 500);
    }
    acceptor.bind(endpoint, error);
    if (error) return socket_error(where, error, 500);
    acceptor.listen(asio::socket_base::max_listen_connections, error);
    if (error) return socket_error(where, error, 500);
    const auto bound = acceptor.local_endpoint(error);
    if (error) return socket_error(where, error, 500);
    return std::make_shared<TcpListener>(Passkey{}, std::move(acceptor), from_asio(bound), owner);
}

TcpListener::TcpListener(Passkey, asio::ip::tcp::acceptor acceptor, const Endpoint& local,
                         Owner& owner)
    : acceptor_(std::move(acceptor)),
      retry_timer_(acceptor_.get_executor()),
      local_(local),
      owner_(&owner) {}

void TcpListener::start() {
    accept();
}

void TcpListener::accept() {
    acceptor_.async_accept(
        [self = shared_from_this()](const std::error_code& error, asio::ip::tcp::socket socket) {
            self->on_accept(error, std::move(socket));
        });
}

void TcpListener::on_accept(const std::error_code& error, asio::ip::tcp::socket socket) {
    if (owner_ == nullptr || error == asio::error::operation_aborted) return;
    if (error) {
        ++owner_->tcp_counters().receive_errors;
        retry_timer_.expires_after(kAcceptRetryDelay);
        retry_timer_.async_wait([self = shared_from_this()](const std::error_code& timer_error) {
            if (self->owner_ != nullptr && !timer_error) self->accept();
        });
        return;
    }
    owner_->on_accepted(*this, std::move(socket));
    if (owner_ != nullptr) accept();
}

void TcpListener::detach() {
    owner_ = nullptr;
    retry_timer_.cancel();
    std::error_code ignored;
    acceptor_.close(ignored);
}

}  // namespace tandem::transport::detail
