#include "mi/registry.h"

#include <algorithm>
#include <charconv>
#include <exception>

namespace tandem::mi {
namespace {

std::string kind_name(ParamKind kind) {
    switch (kind) {
        case ParamKind::String:
            return "a string";
        case ParamKind::Integer:
            return "an integer";
        case ParamKind::StringList:
            return "a string or an array of strings";
    }
    return "a value";
}

std::optional<std::int64_t> integer_from_text(const std::string& text) {
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size()) return {};
    return value;
}

// Requests nested deeper than this are refused before they are parsed:
// copying or writing a JSON value recurses once per level, so a body of a
// few hundred thousand brackets (well under the body cap) would overflow the
// listener thread's stack. MI parameters are at most an array in an object.
constexpr int kMaxDepth = 32;

bool nested_too_deep(std::string_view body) {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < body.size(); ++i) {
        const char c = body[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > kMaxDepth) return true;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return false;
}

// The value in the form the handler reads, or nullopt when it has the wrong
// type.
std::optional<Json> coerce(const Json& value, ParamKind kind) {
    switch (kind) {
        case ParamKind::String:
            if (value.is_string()) return value;
            if (value.is_number_integer()) return Json(value.dump());
            return {};
        case ParamKind::Integer:
            if (value.is_number_integer()) return value;
            if (value.is_string()) {
                if (auto number = integer_from_text(value.get<std::string>())) return Json(*number);
            }
            return {};
        case ParamKind::StringList:
            if (value.is_string()) return Json::array({value});
            if (value.is_array() && std::all_of(value.begin(), value.end(),
                                                [](const Json& v) { return v.is_string(); }))
                return value;
            return {};
    }
    return {};
}

std::string dump(const Json& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

std::optional<std::string> Params::string(std::string_view name) const {
    const auto found = values_.find(name);
    if (found == values_.end() || !found->second.is_string()) return {};
    return found->second.get<std::string>();
}

std::optional<std::int64_t> Params::integer(std::string_view name) const {
    const auto found = values_.find(name);
    if (found == values_.end() || !found->second.is_number_integer()) return {};
    return found->second.get<std::int64_t>();
}

std::vector<std::string> Params::strings(std::string_view name) const {
    const auto found = values_.find(name);
    if (found == values_.end() || !found->second.is_array()) return {};
    return found->second.get<std::vector<std::string>>();
}

Status Registry::add(Command command) {
    if (command.name.empty()) return make_error("a command needs a name");
    if (!command.handler) return make_error("command " + command.name + " has no handler");
    for (std::size_t i = 0; i < command.params.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (command.params[i].name == command.params[j].name)
                return make_error("command " + command.name + " declares parameter " +
                                  command.params[i].name + " twice");
        }
    }
    if (commands_.contains(command.name))
        return make_error("command " + command.name + " is already registered");
    std::string name = command.name;
    commands_.emplace(std::move(name), std::move(command));
    return {};
}

const Command* Registry::find(std::string_view name) const {
    const auto found = commands_.find(name);
    return found == commands_.end() ? nullptr : &found->second;
}

std::vector<const Command*> Registry::commands() const {
    std::vector<const Command*> all;
    all.reserve(commands_.size());
    for (const auto& [name, command] : commands_)
        all.push_back(&command);
    return all;
}

Result<Params> Registry::check_params(const Command& command, const Json& params) const {
    std::map<std::string, Json, std::less<>> named;
    if (params.is_array()) {
        if (params.size() > command.params.size()) {
            return invalid_params(command.name + " takes at most " +
                                  std::to_string(command.params.size()) + " parameter(s), got " +
                                  std::to_string(params.size()));
        }
        for (std::size_t i = 0; i < params.size(); ++i)
            named.emplace(command.params[i].name, params[i]);
    } else if (params.is_object()) {
        for (const auto& item : params.items()) {
            const std::string& name = item.key();
            const bool known =
                std::any_of(command.params.begin(), command.params.end(),
                            [&](const ParamSpec& spec) { return spec.name == name; });
            if (!known) {
                return invalid_params("unknown parameter `" + name + "` for " + command.name);
            }
            named.emplace(name, item.value());
        }
    } else if (!params.is_null()) {
        return invalid_params("params must be an object or an array");
    }
    std::map<std::string, Json, std::less<>> checked;
    for (const ParamSpec& spec : command.params) {
        const auto given = named.find(spec.name);
        if (given == named.end() || given->second.is_null()) {
            if (spec.required) return invalid_params("missing parameter `" + spec.name + "`");
            continue;
        }
        auto value = coerce(given->second, spec.kind);
        if (!value) {
            return invalid_params("parameter `" + spec.name + "` must be " + kind_name(spec.kind) +
                                  ", got " + dump(given->second));
        }
        checked.emplace(spec.name, std::move(*value));
    }
    return Params(std::move(checked));
}

Result<Json> Registry::call(std::string_view method, const Json& params) const {
    const Command* command = find(method);
    if (!command)
        return make_error("unknown command `" + std::string(method) + "`", kMethodNotFound);
    auto checked = check_params(*command, params);
    if (!checked) return checked.error();
    // A handler's bug (a JSON type error) answers this request, never ends
    // the listener.
    auto result = [&]() -> Result<Json> {
        try {
            return command->handler(*checked);
        } catch (const std::exception& error) {
            return make_error(std::string("internal error: ") + error.what(), kInternalError);
        }
    }();
    if (!result) {
        Error error = result.error();
        if (error.status == 0) error.status = kCommandFailed;
        return error;
    }
    return result;
}

std::string error_response(const Json& id, int code, std::string_view message) {
    const Json response = {{"jsonrpc", "2.0"},
                           {"error", {{"code", code}, {"message", std::string(message)}}},
                           {"id", id}};
    return dump(response);
}

std::string Registry::handle(std::string_view body) const {
    if (nested_too_deep(body))
        return error_response(nullptr, kInvalidRequest, "invalid request: nested too deeply");
    Json request = Json::parse(body, nullptr, false);
    if (request.is_discarded())
        return error_response(nullptr, kParseError, "parse error: not JSON");
    if (!request.is_object()) {
        return error_response(nullptr, kInvalidRequest,
                              "invalid request: expected a JSON-RPC 2.0 object (batches are not "
                              "supported)");
    }
    Json id = nullptr;
    const bool notification = !request.contains("id");
    if (!notification) {
        id = request["id"];
        if (!id.is_null() && !id.is_string() && !id.is_number_integer())
            return error_response(nullptr, kInvalidRequest, "invalid request: bad id");
    }
    const auto version = request.find("jsonrpc");
    if (version == request.end() || *version != "2.0")
        return error_response(id, kInvalidRequest, "invalid request: jsonrpc must be \"2.0\"");
    const auto method = request.find("method");
    if (method == request.end() || !method->is_string())
        return error_response(id, kInvalidRequest, "invalid request: method must be a string");
    const auto params = request.find("params");
    auto result = call(method->get<std::string>(), params == request.end() ? Json() : *params);
    if (notification) return {};
    if (!result) return error_response(id, result.error().status, result.error().reason);
    return dump(Json{{"jsonrpc", "2.0"}, {"result", std::move(*result)}, {"id", id}});
}

}  // namespace tandem::mi
