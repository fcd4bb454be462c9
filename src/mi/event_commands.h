// The MI commands of the event interface (docs/events.md):
//   event_subscribe(event, socket [, expire])  expire 0 unsubscribes
//   events_list                                 declared events and parameters
//   subscribers_list                            live subscriptions
#pragma once

#include "base/result.h"
#include "events/event_bus.h"
#include "mi/registry.h"

namespace tandem::mi {

// `bus` must outlive the registry's use.
Status add_event_commands(Registry& registry, events::EventBus& bus);

}  // namespace tandem::mi
