#include "mi/event_commands.h"

#include <chrono>

namespace tandem::mi {

Status add_event_commands(Registry& registry, events::EventBus& bus) {
    events::EventBus* events = &bus;
    std::vector<Command> table;
    table.push_back(
        {"event_subscribe",
         "sends `event` to `socket` (udp:HOST:PORT or http://HOST:PORT/path) for `expire` "
         "seconds (0 unsubscribes; none: until unsubscribed)",
         {{"event", ParamKind::String, true},
          {"socket", ParamKind::String, true},
          {"expire", ParamKind::Integer}},
         [events](const Params& params) -> Result<Json> {
             auto address = events::parse_subscriber_address(*params.string("socket"));
             if (!address) return invalid_params(address.error().reason);
             std::optional<std::chrono::seconds> expire;
             if (auto seconds = params.integer("expire")) {
                 if (*seconds < 0) return invalid_params("expire must not be negative");
                 expire = std::chrono::seconds(*seconds);
             }
             if (auto subscribed = events->subscribe(*params.string("event"), *address, expire);
                 !subscribed)
                 return subscribed.error();
             return Json("OK");
         }});
    table.push_back({"events_list",
                     "the events and their parameters",
                     {},
                     [events](const Params&) -> Result<Json> {
                         Json list = Json::array();
                         for (const auto& [name, params] : events->declared())
                             list.push_back({{"name", name}, {"params", params}});
                         return Json{{"Events", std::move(list)}};
                     }});
    table.push_back(
        {"subscribers_list", "the live subscriptions", {}, [events](const Params&) -> Result<Json> {
             const auto now = std::chrono::steady_clock::now();
             Json list = Json::array();
             for (const events::Subscription& subscription : events->subscriptions()) {
                 Json entry = {{"event", subscription.event},
                               {"socket", subscription.address.to_string()}};
                 if (subscription.expires == std::chrono::steady_clock::time_point::max()) {
                     entry["expire"] = nullptr;
                 } else {
                     entry["expire"] = std::chrono::duration_cast<std::chrono::seconds>(
                                           subscription.expires - now)
                                           .count();
                 }
                 list.push_back(std::move(entry));
             }
             return Json{{"Subscribers", std::move(list)}};
         }});
    for (Command& command : table) {
        if (auto added = registry.add(std::move(command)); !added) return added;
    }
    return {};
}

}  // namespace tandem::mi
