// The MI command registry and its JSON-RPC 2.0 front: every module adds its
// commands (name, parameter names and types, handler); handle() answers one
// request text. Parameters come named (an object) or positional (an array,
// in the declared order); the registry checks names, presence and types
// before a handler runs, so handlers read what they declared.
//
// The registry is filled before the listener starts and only read after, so
// handle() may run on several threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace tandem::mi {

using Json = nlohmann::json;

// JSON-RPC 2.0 error codes. A failing command answers with the code its
// Error carries (404 no such dialog ...), or kCommandFailed when it has none.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kCommandFailed = -32000;

enum class ParamKind : std::uint8_t {
    String,      // a string; an integer is taken as its decimal text
    Integer,     // an integer, or a string of decimal digits
    StringList,  // an array of strings, or one string
};

struct ParamSpec {
    std::string name;
    ParamKind kind = ParamKind::String;
    bool required = false;
};

// A command's checked parameters, by name.
class Params {
  public:
    explicit Params(std::map<std::string, Json, std::less<>> values) : values_(std::move(values)) {}
    bool has(std::string_view name) const { return values_.find(name) != values_.end(); }
    std::optional<std::string> string(std::string_view name) const;
    std::optional<std::int64_t> integer(std::string_view name) const;
    std::vector<std::string> strings(std::string_view name) const;

  private:
    std::map<std::string, Json, std::less<>> values_;
};

using Handler = std::function<Result<Json>(const Params&)>;

struct Command {
    std::string name;
    std::string help;  // one line, for `which`
    std::vector<ParamSpec> params;
    Handler handler;
};

// An Error for a handler whose parameters are wrong in a way the types do
// not say (two that exclude each other, a value out of range).
inline Error invalid_params(std::string message) {
    return make_error(std::move(message), kInvalidParams);
}

class Registry {
  public:
    // Refuses an empty or taken name, a handler missing, a duplicate
    // parameter name.
    Status add(Command command);
    const Command* find(std::string_view name) const;
    // Every command, sorted by name.
    std::vector<const Command*> commands() const;

    // Runs a command with JSON params (an object, an array, or null for
    // none): the result, or an Error whose status is the JSON-RPC code.
    Result<Json> call(std::string_view method, const Json& params) const;

    // Answers one JSON-RPC 2.0 request text with the response text. A
    // notification (no "id") runs and gets an empty answer.
    std::string handle(std::string_view body) const;

  private:
    Result<Params> check_params(const Command& command, const Json& params) const;
    std::map<std::string, Command, std::less<>> commands_;
};

// The JSON-RPC error response text for `id` (null when unknown).
std::string error_response(const Json& id, int code, std::string_view message);

}  // namespace tandem::mi
