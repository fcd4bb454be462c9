// Feeds arbitrary request bodies to the MI's JSON-RPC front (the text POST
// /mi hands to Registry::handle) with the core commands registered over
// in-memory services: parsing, request checks, parameter checks and the
// handlers themselves. Every answer must be empty (a notification) or one
// JSON-RPC 2.0 response with a result or an error code, echoing the id.
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "mi/core_commands.h"
#include "mi/registry.h"
#include "script/local_cache.h"

namespace {

using namespace tandem;

struct Server {
    Server() {
        mi::CoreServices services;
        services.version = "tandem fuzz";
        services.started = std::chrono::system_clock::now();
        services.logger = logger;
        services.cache = &cache;
        services.statistics = []() -> Result<mi::Statistics> {
            return mi::Statistics{{"core", "rcv_requests", 7, false},
                                  {"dialog", "active_dialogs", 1, true}};
        };
        services.reset_statistics = [](const std::vector<std::string>&) -> Status { return {}; };
        services.reload_routes = []() -> Status { return make_error("reload refused", 500); };
        services.list_dialogs = [](const std::optional<std::string>& callid) -> Result<mi::Json> {
            mi::Json dialogs = mi::Json::array();
            if (!callid || *callid == "known") dialogs.push_back({{"callid", "known"}});
            return mi::Json{{"Dialogs", dialogs}};
        };
        services.end_dialog = [](const mi::DialogSelector& which) -> Status {
            if (which.callid && *which.callid == "known") return {};
            return make_error("no such dialog", 404);
        };
        if (!mi::add_core_commands(registry, std::move(services)).ok()) std::abort();
    }

    std::shared_ptr<spdlog::logger> logger =
        std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
    // Small, so that stored keys do not pile up over a long run.
    script::LocalCache cache{script::LocalCacheLimits{1000, 1024, 4096}};
    mi::Registry registry;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Server server;
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const std::string answer = server.registry.handle(body);

    const mi::Json request = mi::Json::parse(body, nullptr, false);
    const bool notification = request.is_object() && !request.contains("id") &&
                              request.value("jsonrpc", mi::Json()) == "2.0" &&
                              request.contains("method") && request["method"].is_string();
    if (answer.empty()) {
        if (!notification) std::abort();
        return 0;
    }
    const mi::Json response = mi::Json::parse(answer, nullptr, false);
    if (!response.is_object() || response.value("jsonrpc", mi::Json()) != "2.0" ||
        !response.contains("id"))
        std::abort();
    const bool has_result = response.contains("result");
    const bool has_error = response.contains("error");
    if (has_result == has_error) std::abort();
    if (has_error &&
        (!response["error"].contains("code") || !response["error"]["code"].is_number_integer() ||
         !response["error"].contains("message")))
        std::abort();
    // A well-formed id comes back as it was sent.
    if (request.is_object() && request.contains("id") && !response["id"].is_null() &&
        response["id"] != request["id"])
        std::abort();
    return 0;
}
