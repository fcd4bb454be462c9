// The MI listener: an HTTP server on a thread of its own (cpp-httplib)
// answering POST /mi with the registry's JSON-RPC and GET /metrics with the
// statistics in Prometheus text. With a token set, every request must carry
// "Authorization: Bearer TOKEN" or gets 401. Bodies larger than the cap are
// read to the end, discarded, and answered 413 with a JSON-RPC error, so the
// client always gets an answer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "mi/registry.h"

namespace spdlog {
class logger;
}

namespace tandem::mi {

inline constexpr std::uint16_t kDefaultPort = 8888;
inline constexpr std::size_t kDefaultMaxBody = 1024 * 1024;

struct HttpSettings {
    std::string host = "127.0.0.1";
    std::uint16_t port = kDefaultPort;  // 0: the kernel chooses
    std::string auth_token;             // empty: no authentication
    std::size_t max_body = kDefaultMaxBody;
};

// The /metrics page text, made on the listener's thread for each scrape.
using MetricsSource = std::function<Result<std::string>()>;

class HttpServer {
  public:
    // Binds, then serves on a new thread. `registry` must outlive the server.
    static Result<std::unique_ptr<HttpServer>> start(const HttpSettings& settings,
                                                     const Registry& registry,
                                                     MetricsSource metrics,
                                                     std::shared_ptr<spdlog::logger> logger);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    std::uint16_t port() const;
    // Stops listening and joins the thread; requests in progress finish first.
    void stop();

    struct State;
    explicit HttpServer(std::unique_ptr<State> state);

  private:
    std::unique_ptr<State> state_;
};

}  // namespace tandem::mi
