#include "mi/http_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace tandem::mi {
namespace {

// Beyond this httplib stops reading and answers 413 itself; below it the
// /mi handler reads and discards what exceeds the configured cap so the
// client, still sending, gets its answer.
constexpr std::size_t kReadLimit = 256 * 1024 * 1024;
constexpr time_t kKeepAliveSeconds = 5;

constexpr const char* kJsonType = "application/json";

bool authorized(const httplib::Request& request, const std::string& token) {
    if (token.empty()) return true;
    return request.get_header_value("Authorization") == "Bearer " + token;
}

}  // namespace

struct HttpServer::State {
    httplib::Server server;
    std::thread thread;
    std::atomic<bool> finished{false};  // listen_after_bind() returned
    std::uint16_t port = 0;
};

HttpServer::HttpServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

HttpServer::~HttpServer() {
    stop();
}

std::uint16_t HttpServer::port() const {
    return state_->port;
}

void HttpServer::stop() {
    if (!state_->thread.joinable()) return;
    // httplib's stop() is lost when it comes before the loop has started:
    // wait for the loop (or its failure) first.
    while (!state_->server.is_running() && !state_->finished.load())
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    state_->server.stop();
    state_->thread.join();
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(const HttpSettings& settings,
                                                      const Registry& registry,
                                                      MetricsSource metrics,
                                                      std::shared_ptr<spdlog::logger> logger) {
    auto state = std::make_unique<State>();
    httplib::Server& server = state->server;
    server.set_payload_max_length(kReadLimit);
    server.set_keep_alive_timeout(kKeepAliveSeconds);
    // httplib's default adds SO_REUSEPORT, which would let a second server
    // share the port and take half the requests; a taken port must fail.
    server.set_socket_options([](socket_t socket) {
        const int yes = 1;
        ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });

    server.set_pre_routing_handler([token = settings.auth_token](const httplib::Request& request,
                                                                 httplib::Response& response) {
        if (authorized(request, token)) return httplib::Server::HandlerResponse::Unhandled;
        response.status = 401;
        response.set_header("WWW-Authenticate", "Bearer");
        if (request.path == "/mi") {
            response.set_content(error_response(nullptr, kInvalidRequest,
                                                "unauthorized: a bearer token is required"),
                                 kJsonType);
        } else {
            response.set_content("unauthorized: a bearer token is required\n", "text/plain");
        }
        return httplib::Server::HandlerResponse::Handled;
    });

    const std::size_t max_body = settings.max_body;
    server.Post("/mi", [&registry, max_body](const httplib::Request&, httplib::Response& response,
                                             const httplib::ContentReader& read_content) {
        std::string body;
        bool too_large = false;
        read_content([&](const char* data, std::size_t length) {
            if (too_large || body.size() + length > max_body) {
                too_large = true;
                body.clear();
                return true;  // keep reading, so that the answer reaches the client
            }
            body.append(data, length);
            return true;
        });
        if (too_large) {
            response.status = 413;
            response.set_content(
                error_response(nullptr, kInvalidRequest,
                               "request body larger than " + std::to_string(max_body) + " bytes"),
                kJsonType);
            return;
        }
        std::string answer = registry.handle(body);
        if (answer.empty()) {
            response.status = 204;  // a notification: nothing to say
            return;
        }
        response.set_content(std::move(answer), kJsonType);
    });

    server.Get("/metrics", [metrics = std::move(metrics)](const httplib::Request&,
                                                          httplib::Response& response) {
        auto text = metrics();
        if (!text) {
            response.status = 503;
            response.set_content(text.error().reason + "\n", "text/plain");
            return;
        }
        response.set_content(std::move(*text), "text/plain; version=0.0.4");
    });

    server.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
        if (!response.body.empty()) return;
        if (response.status == 413) {
            response.set_content(error_response(nullptr, kInvalidRequest, "request body too large"),
                                 kJsonType);
        } else if (response.status == 404) {
            response.set_content("no such page " + request.path + " (POST /mi, GET /metrics)\n",
                                 "text/plain");
        }
    });

    int port = settings.port;
    if (port == 0) {
        port = server.bind_to_any_port(settings.host);
        if (port < 0) port = 0;
    } else if (!server.bind_to_port(settings.host, port)) {
        port = 0;
    }
    if (port == 0) {
        return make_error("mi_listen " + settings.host + ":" + std::to_string(settings.port) +
                              ": cannot listen there",
                          0);
    }
    state->port = static_cast<std::uint16_t>(port);
    State* raw = state.get();
    state->thread = std::thread([raw, logger] {
        if (!raw->server.listen_after_bind()) logger->error("the MI listener stopped on an error");
        raw->finished = true;
    });
    logger->info("management interface on http://{}:{}/mi", settings.host, port);
    return std::make_unique<HttpServer>(std::move(state));
}

}  // namespace tandem::mi
