// Plain values shared by the script engine and the layers that plug into it:
// configuration values, values handed back to Lua, event parameters, route
// kinds and load diagnostics.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tandem::script {

// A module parameter value as written in modparam(): an integer or a string.
using ParamValue = std::variant<std::int64_t, std::string>;

// Ends the running route right away, like OpenSIPS `exit` (or `drop`, which
// also records the drop in the request's actions). A script function returns
// it to stop the route; routes never return it.
struct StopRoute {
    friend bool operator==(const StopRoute&, const StopRoute&) = default;
};

// A value a script function hands back to Lua (nil, boolean, integer,
// string), or StopRoute. Also what a route returned (never StopRoute there).
using ScriptValue = std::variant<std::monostate, bool, std::int64_t, std::string, StopRoute>;

// One named parameter of an event (E_CALL_TRANSFER: callid, leg, state ...).
// An event route receives them as one Lua table.
struct EventParam {
    std::string name;
    ParamValue value;
};
using EventParams = std::vector<EventParam>;

// Where the engine is running script code. A registered function declares
// the kinds it may be used in (RouteKinds); a named route runs as the kind its
// caller asks for (a failure route armed by t_on_failure runs as Failure).
enum class RouteKind : std::uint16_t {
    TopLevel = 1 << 0,    // the script's top level, while it loads
    Request = 1 << 1,     // request_route and the routes it calls
    Reply = 1 << 2,       // reply_route and named reply routes
    Failure = 1 << 3,     // failure_route and named failure routes
    Branch = 1 << 4,      // per-branch routes of a relayed request
    B2BRequest = 1 << 5,  // B2B request routes
    B2BReply = 1 << 6,    // B2B reply routes
    Event = 1 << 7,       // event routes
};

// How error messages name a route kind: "request_route", "failure_route",
// "the top level" ...
std::string_view route_kind_name(RouteKind kind);

// A set of route kinds.
class RouteKinds {
  public:
    constexpr RouteKinds() = default;
    constexpr RouteKinds(RouteKind kind)  // NOLINT: a single kind is a set
        : bits_(static_cast<std::uint16_t>(kind)) {}

    // Every route, not the top level: functions that act on a call.
    static constexpr RouteKinds routes() { return RouteKinds(kAllBits & ~kTopLevelBit); }
    // Every route and the top level: logging, the cache.
    static constexpr RouteKinds anywhere() { return RouteKinds(kAllBits); }
    // Routes that have a SIP message to work on (all but the top level and
    // event routes).
    static constexpr RouteKinds message_routes() {
        return RouteKinds(kAllBits & ~kTopLevelBit & ~static_cast<std::uint16_t>(RouteKind::Event));
    }

    constexpr bool contains(RouteKind kind) const {
        return (bits_ & static_cast<std::uint16_t>(kind)) != 0;
    }
    constexpr bool empty() const { return bits_ == 0; }
    friend constexpr RouteKinds operator|(RouteKinds a, RouteKinds b) {
        return RouteKinds(static_cast<std::uint16_t>(a.bits_ | b.bits_));
    }
    friend constexpr bool operator==(RouteKinds, RouteKinds) = default;

  private:
    static constexpr std::uint16_t kAllBits = (1 << 8) - 1;
    static constexpr std::uint16_t kTopLevelBit = static_cast<std::uint16_t>(RouteKind::TopLevel);
    explicit constexpr RouteKinds(std::uint16_t bits) : bits_(bits) {}
    std::uint16_t bits_ = 0;
};

constexpr RouteKinds operator|(RouteKind a, RouteKind b) {
    return RouteKinds(a) | RouteKinds(b);
}

// A script line: "tandem.lua", 12. Line 0 when the problem has no line (a
// required route that is missing).
struct SourceLocation {
    std::string file;
    int line = 0;

    friend bool operator==(const SourceLocation&, const SourceLocation&) = default;
};

// One problem found while loading or checking a script.
struct Diagnostic {
    SourceLocation location;
    std::string message;

    // "file:line: message", or "file: message" without a line.
    std::string to_string() const;

    friend bool operator==(const Diagnostic&, const Diagnostic&) = default;
};

// All diagnostics, one per line, for an error reason.
std::string join_diagnostics(const std::vector<Diagnostic>& diagnostics);

}  // namespace tandem::script
