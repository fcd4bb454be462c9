#include "proxy/route_preprocessing.h"

namespace tandem::proxy {

PreprocessedRoutes preprocess_routes(const sip::Message& request, const LocalAddresses& local,
                                     const Resolver& resolver) {
    PreprocessedRoutes result;
    const auto received = request.routes();
    if (!received || received->empty()) return result;
    result.received = received->size();

    std::vector<std::string> routes;
    routes.reserve(received->size());
    for (const sip::NameAddr& route : *received)
        routes.emplace_back(route.text);
    bool changed = false;

    const auto request_uri = request.request_uri();
    if (request_uri && request_uri->user.empty() && request_uri->loose_route() &&
        local.is_local_uri(*request_uri, resolver)) {
        if (const auto last = sip::parse_name_addr(routes.back())) {
            result.request_uri = std::string(last->uri.text);
            routes.pop_back();
            changed = true;
        }
    }
    while (!routes.empty()) {
        const auto first = sip::parse_name_addr(routes.front());
        if (!first || !local.is_local_uri(first->uri, resolver)) break;
        routes.erase(routes.begin());
        changed = true;
    }
    if (changed) result.routes = std::move(routes);
    return result;
}

}  // namespace tandem::proxy
