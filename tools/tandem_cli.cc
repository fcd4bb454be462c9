// tandem-cli: the command line client of Tandem's management interface
// (docs/cli.md).
//
//   tandem-cli mi COMMAND [name=value ... | value ...]   one command, pretty JSON out
//   tandem-cli -x mi COMMAND ...                         the same (opensips-cli style)
//   tandem-cli events EVENT                              prints EVENT until interrupted
//
// Exit status: 0 on success, 1 when the command answered an error, 2 when
// the server could not be reached or the arguments are wrong.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace {

using Json = nlohmann::json;

constexpr int kCommandFailed = 1;
constexpr int kUnreachable = 2;

// Set by SIGINT/SIGTERM while `events` waits; read by its loop.
volatile std::sig_atomic_t interrupted = 0;

void on_interrupt(int) {
    interrupted = 1;
}

struct Target {
    std::string host = "127.0.0.1";
    int port = 8888;
    std::string token;
};

// Digits become integers, everything else stays text: `expire=30` is a
// number, `attr=abc` a string.
Json argument_value(const std::string& text) {
    std::int64_t number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (!text.empty() && error == std::errc{} && end == text.data() + text.size())
        return Json(number);
    return Json(text);
}

// name=value pairs become named parameters; bare values positional ones.
std::optional<Json> build_params(const std::vector<std::string>& arguments, std::string& problem) {
    if (arguments.empty()) return Json();
    Json named = Json::object();
    Json positional = Json::array();
    for (const std::string& argument : arguments) {
        const std::size_t equals = argument.find('=');
        if (equals == std::string::npos || equals == 0) {
            positional.push_back(argument_value(argument));
        } else {
            named[argument.substr(0, equals)] = argument_value(argument.substr(equals + 1));
        }
    }
    if (!named.empty() && !positional.empty()) {
        problem = "give parameters either all as name=value or all as plain values";
        return std::nullopt;
    }
    return named.empty() ? positional : named;
}

// Sends one JSON-RPC request; the parsed response, or nullopt after
// printing why there is none.
std::optional<Json> call(const Target& target, const std::string& method, const Json& params) {
    httplib::Client client(target.host, target.port);
    client.set_connection_timeout(3, 0);
    client.set_read_timeout(10, 0);
    if (!target.token.empty()) client.set_bearer_token_auth(target.token);
    Json request = {{"jsonrpc", "2.0"}, {"method", method}, {"id", 1}};
    if (!params.is_null()) request["params"] = params;
    const auto response = client.Post("/mi", request.dump(), "application/json");
    if (!response) {
        std::fprintf(stderr, "tandem-cli: cannot reach http://%s:%d/mi: %s\n", target.host.c_str(),
                     target.port, httplib::to_string(response.error()).c_str());
        return std::nullopt;
    }
    Json answer = Json::parse(response->body, nullptr, false);
    if (answer.is_discarded() || !answer.is_object()) {
        std::fprintf(stderr, "tandem-cli: HTTP %d: %s\n", response->status, response->body.c_str());
        return std::nullopt;
    }
    return answer;
}

int run_mi(const Target& target, const std::string& command,
           const std::vector<std::string>& arguments) {
    std::string problem;
    const auto params = build_params(arguments, problem);
    if (!params) {
        std::fprintf(stderr, "tandem-cli: %s\n", problem.c_str());
        return kUnreachable;
    }
    const auto answer = call(target, command, *params);
    if (!answer) return kUnreachable;
    if (answer->contains("error")) {
        std::cerr << (*answer)["error"].dump(4) << "\n";
        return kCommandFailed;
    }
    std::cout << (*answer)["result"].dump(4) << "\n";
    return 0;
}

// A UDP socket on loopback that closes itself.
class Socket {
  public:
    Socket() : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}
    ~Socket() {
        if (fd_ >= 0) ::close(fd_);
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    int fd() const { return fd_; }

  private:
    int fd_;
};

bool subscribe(const Target& target, const std::string& event, const std::string& socket,
               int expire) {
    const auto answer =
        call(target, "event_subscribe", {{"event", event}, {"socket", socket}, {"expire", expire}});
    if (!answer) return false;
    if (answer->contains("error")) {
        std::cerr << (*answer)["error"].dump(4) << "\n";
        return false;
    }
    return true;
}

int run_events(const Target& target, const std::string& event) {
    constexpr int kExpireSeconds = 120;
    constexpr auto kRenewEvery = std::chrono::seconds(60);
    const Socket socket;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (socket.fd() < 0 ||
        ::bind(socket.fd(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(socket.fd(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        std::perror("tandem-cli: UDP socket");
        return kUnreachable;
    }
    const std::string where = "udp:127.0.0.1:" + std::to_string(ntohs(address.sin_port));
    if (!subscribe(target, event, where, kExpireSeconds)) return kCommandFailed;
    std::fprintf(stderr, "subscribed to %s on %s; Ctrl-C to stop\n", event.c_str(), where.c_str());

    struct sigaction action {};
    action.sa_handler = on_interrupt;
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);

    auto renew_at = std::chrono::steady_clock::now() + kRenewEvery;
    std::vector<char> buffer(65536);
    while (interrupted == 0) {
        pollfd wait{socket.fd(), POLLIN, 0};
        const int ready = ::poll(&wait, 1, 200);
        if (ready > 0) {
            const ssize_t got = ::recv(socket.fd(), buffer.data(), buffer.size(), 0);
            if (got > 0) {
                const std::string text(buffer.data(), static_cast<std::size_t>(got));
                const Json notification = Json::parse(text, nullptr, false);
                std::cout << (notification.is_discarded() ? text : notification.dump(4)) << "\n"
                          << std::flush;
            }
        }
        if (std::chrono::steady_clock::now() >= renew_at) {
            if (!subscribe(target, event, where, kExpireSeconds)) return kCommandFailed;
            renew_at = std::chrono::steady_clock::now() + kRenewEvery;
        }
    }
    // Leave no subscription pointing at a closed port.
    subscribe(target, event, where, 0);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"tandem-cli: Tandem's management interface from the command line"};
    app.require_subcommand(1);
    Target target;
    bool one_shot = false;
    app.add_option("--host", target.host, "MI address")->capture_default_str();
    app.add_option("-p,--port", target.port, "MI port")->capture_default_str();
    app.add_option("--token", target.token,
                   "bearer token (modparam(\"mi\", \"auth_token\", ...)); default: "
                   "$TANDEM_MI_TOKEN");
    app.add_flag("-x", one_shot,
                 "run one command and exit (the only mode; for opensips-cli habits)");

    std::string command;
    std::vector<std::string> arguments;
    CLI::App* mi = app.add_subcommand("mi", "run an MI command: mi COMMAND [name=value ...]");
    mi->add_option("command", command, "the command (`which` lists them)")->required();
    mi->add_option("params", arguments, "name=value pairs, or plain values in order");

    std::string event;
    CLI::App* events =
        app.add_subcommand("events", "subscribe to an event and print it until interrupted");
    events->add_option("event", event, "the event (mi events_list lists them)")->required();

    CLI11_PARSE(app, argc, argv);
    (void)one_shot;
    if (target.token.empty()) {
        if (const char* token = std::getenv("TANDEM_MI_TOKEN")) target.token = token;
    }
    if (*mi) return run_mi(target, command, arguments);
    return run_events(target, event);
}
