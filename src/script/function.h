// Script functions exported by C++: a typed signature (FunctionSpec) and a
// C++ callable that receives checked arguments and a per-call context. The
// engine converts and checks Lua arguments against the signature before the
// callable runs, so a callable never sees a value of the wrong type; a wrong
// argument is a Lua error naming the function and the argument:
//   call_transfer: argument 2 (destination) must be a string (got nil)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "script/request_actions.h"
#include "script/types.h"

struct lua_State;

namespace spdlog {
class logger;
}

namespace tandem::script {

class LocalCache;

enum class ArgType : std::uint8_t {
    String,      // a Lua string (a number is accepted and converted, as Lua does)
    Integer,     // a Lua number without fraction
    Boolean,     // true or false
    StringList,  // a Lua array of strings: {"a", "b"}
    Scalar,      // a string or an integer (modparam values, log levels)
};

// How error messages name a type: "a string", "an integer" ...
std::string_view arg_type_name(ArgType type);

// Checks a string literal a script gives for an argument, when the script
// loads (and with `tandem --check`): a bad constant is found before the
// first call reaches it. The error reason completes "argument N (name) ...":
// `must be "caller" or "callee"`.
using LiteralCheck = std::function<Status(std::string_view)>;

// A LiteralCheck accepting one of `words` in any case ("caller", "CALLEE").
LiteralCheck one_of_words(std::vector<std::string> words);

struct ArgSpec {
    std::string name{};
    ArgType type = ArgType::String;
    bool optional = false;  // optional arguments come after the required ones
    // Optional: applied to string literals given for this argument.
    LiteralCheck check_literal{};
};

// A checked argument: absent (an optional argument not given, or given as
// nil), or a value of the declared type. Strings are views into Lua strings
// that stay valid while the function runs.
using ArgumentValue = std::variant<std::monostate, std::string_view, std::int64_t, bool,
                                   std::vector<std::string_view>>;

inline constexpr std::size_t kMaxArguments = 8;

// The arguments of one call, in declaration order. Accessors assume the type
// the signature declares (the engine checked it); asking for another type is
// a programming error.
class Arguments {
  public:
    std::size_t size() const { return size_; }
    // False for an absent optional argument.
    bool has(std::size_t index) const;
    const ArgumentValue& operator[](std::size_t index) const { return values_[index]; }

    std::string_view string(std::size_t index) const;
    std::int64_t integer(std::size_t index) const;
    bool boolean(std::size_t index) const;
    const std::vector<std::string_view>& strings(std::size_t index) const;
    // Optional arguments: the value, or nullopt when absent.
    std::optional<std::string_view> optional_string(std::size_t index) const;
    std::optional<std::int64_t> optional_integer(std::size_t index) const;
    std::optional<bool> optional_boolean(std::size_t index) const;

    // Builds the argument list (the engine does this; tests of a function's
    // callable may too). At most kMaxArguments values.
    void push_back(ArgumentValue value);

  private:
    std::array<ArgumentValue, kMaxArguments> values_{};
    std::size_t size_ = 0;
};

// What a function's callable may reach during one call. Message fields are
// null where there is no message (the top level, event routes).
class CallContext {
  public:
    struct Parts {
        std::string_view function_name{};
        RouteKind route_kind = RouteKind::TopLevel;
        const RoutedMessage* message = nullptr;
        LocalCache* cache = nullptr;
        spdlog::logger* logger = nullptr;
        lua_State* lua = nullptr;  // for the caller's location; null outside the engine
    };

    explicit CallContext(const Parts& parts) : parts_(parts) {}

    std::string_view function_name() const { return parts_.function_name; }
    RouteKind route_kind() const { return parts_.route_kind; }
    const RoutedMessage* routed_message() const { return parts_.message; }
    const sip::Message* message() const {
        return parts_.message != nullptr ? &parts_.message->message : nullptr;
    }
    RequestActions* actions() const {
        return parts_.message != nullptr ? &parts_.message->actions : nullptr;
    }
    LocalCache* cache() const { return parts_.cache; }
    spdlog::logger* logger() const { return parts_.logger; }
    // The script line that called the function; empty when not called from Lua.
    SourceLocation caller() const;

  private:
    Parts parts_;
};

// The C++ side of a script function. A returned Error becomes a Lua error
// "name: reason" at the calling line; expected failures ("no such dialog")
// are values (false, a negative code), not errors.
using ScriptFunction = std::function<Result<ScriptValue>(CallContext&, const Arguments&)>;

struct FunctionSpec {
    std::string name{};
    std::vector<ArgSpec> args{};
    ScriptFunction callable{};
    // Where the function may be called; elsewhere it is a Lua error.
    RouteKinds usable_in = RouteKinds::routes();
};

}  // namespace tandem::script
