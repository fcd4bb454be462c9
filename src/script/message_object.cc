// The `msg` object: a userdata that names the route call it was made for, not
// the message itself. Every access looks the call up; once the route has
// returned the lookup fails and the access raises a Lua error, so a msg kept
// in a global can never reach a freed message. Setters record their change in
// the call's RequestActions; the received message is never modified.
#include <array>
#include <iterator>
#include <new>
#include <string>

#include "script/engine_core.h"
#include "script/message_checks.h"
#include "sip/message.h"
#include "sip/uri.h"

namespace tandem::script {
namespace {

using Core = ScriptEngine::Core;

struct MessageHandle {
    std::uint64_t frame_id = 0;
};

Core& core_of(lua_State* state) {
    return *static_cast<Core*>(lua_touserdata(state, lua_upvalueindex(1)));
}

void push_or_nil(lua_State* state, std::string_view text) {
    if (text.empty()) {
        lua_pushnil(state);
    } else {
        detail::push_string(state, text);
    }
}

// Pushes "file:line: text" for the calling line; returns -1.
int push_error(lua_State* state, const std::string& text) {
    detail::push_error_at_caller(state, text);
    return -1;
}

// ---- fields -------------------------------------------------------------

enum class UriPart : std::uint8_t { User, Host, Port };

void push_uri_part(lua_State* state, const sip::Uri& uri, UriPart part) {
    switch (part) {
        case UriPart::User:
            push_or_nil(state, uri.user);
            return;
        case UriPart::Host:
            push_or_nil(state, uri.host);
            return;
        case UriPart::Port:
            if (uri.port) {
                lua_pushnumber(state, *uri.port);
            } else {
                lua_pushnil(state);
            }
            return;
    }
}

// A part of the Request-URI as the route sees it: the one it set, else the
// received one. nil for replies and for a URI that does not parse.
void push_request_uri_part(lua_State* state, const RoutedMessage& routed, UriPart part) {
    if (!routed.message.is_request()) {
        lua_pushnil(state);
    } else if (routed.actions.request_uri) {
        auto uri = sip::parse_uri(*routed.actions.request_uri);
        if (uri) {
            push_uri_part(state, *uri, part);
        } else {
            lua_pushnil(state);
        }
    } else if (auto uri = routed.message.request_uri()) {
        push_uri_part(state, *uri, part);
    } else {
        lua_pushnil(state);
    }
}

using FieldGetter = void (*)(lua_State*, const RoutedMessage&);

struct Field {
    std::string_view name;
    FieldGetter get;
};

const std::array<Field, 17> kFields = {{
    {"method",
     [](lua_State* s, const RoutedMessage& m) { push_or_nil(s, message_method(m.message)); }},
    {"ruri",
     [](lua_State* s, const RoutedMessage& m) {
         if (!m.message.is_request()) {
             lua_pushnil(s);
         } else {
             detail::push_string(s, m.actions.request_uri ? std::string_view(*m.actions.request_uri)
                                                          : m.message.request_uri_text());
         }
     }},
    {"ruri_user",
     [](lua_State* s, const RoutedMessage& m) { push_request_uri_part(s, m, UriPart::User); }},
    {"ruri_host",
     [](lua_State* s, const RoutedMessage& m) { push_request_uri_part(s, m, UriPart::Host); }},
    {"ruri_port",
     [](lua_State* s, const RoutedMessage& m) { push_request_uri_part(s, m, UriPart::Port); }},
    {"callid", [](lua_State* s, const RoutedMessage& m) { push_or_nil(s, m.message.call_id()); }},
    {"from_uri",
     [](lua_State* s, const RoutedMessage& m) {
         auto from = m.message.from();
         push_or_nil(s, from ? from->uri.text : std::string_view{});
     }},
    {"from_tag",
     [](lua_State* s, const RoutedMessage& m) {
         auto from = m.message.from();
         push_or_nil(s, from ? from->tag : std::string_view{});
     }},
    {"to_uri",
     [](lua_State* s, const RoutedMessage& m) {
         auto to = m.message.to();
         push_or_nil(s, to ? to->uri.text : std::string_view{});
     }},
    {"to_tag",
     [](lua_State* s, const RoutedMessage& m) {
         auto to = m.message.to();
         push_or_nil(s, to ? to->tag : std::string_view{});
     }},
    {"status",
     [](lua_State* s, const RoutedMessage& m) {
         if (m.message.is_response()) {
             lua_pushnumber(s, m.message.status_code());
         } else {
             lua_pushnil(s);
         }
     }},
    {"reason",
     [](lua_State* s, const RoutedMessage& m) {
         if (m.message.is_response()) {
             detail::push_string(s, m.message.reason_phrase());
         } else {
             lua_pushnil(s);
         }
     }},
    {"src_ip", [](lua_State* s, const RoutedMessage& m) { push_or_nil(s, m.origin.address); }},
    {"src_port", [](lua_State* s, const RoutedMessage& m) { lua_pushnumber(s, m.origin.port); }},
    {"proto", [](lua_State* s, const RoutedMessage& m) { push_or_nil(s, m.origin.transport); }},
    {"body", [](lua_State* s, const RoutedMessage& m) { push_or_nil(s, m.message.body()); }},
    {"dst",
     [](lua_State* s, const RoutedMessage& m) {
         if (m.actions.destination) {
             detail::push_string(s, m.actions.destination->to_string());
         } else {
             lua_pushnil(s);
         }
     }},
}};

const Field* find_field(std::string_view name) {
    for (const Field& field : kFields) {
        if (field.name == name) return &field;
    }
    return nullptr;
}

// ---- methods ------------------------------------------------------------

int header_method(lua_State* state, Core& core) {
    const RoutedMessage* routed = core.message_at(state, 1, "msg:", "header");
    if (routed == nullptr) return -1;
    if (lua_type(state, 2) != LUA_TSTRING) {
        return push_error(state, "msg:header: argument 1 (name) must be a string");
    }
    auto value = routed->message.header(detail::to_string_view(state, 2));
    if (value) {
        detail::push_string(state, *value);
    } else {
        lua_pushnil(state);
    }
    return 1;
}

int headers_method(lua_State* state, Core& core) {
    const RoutedMessage* routed = core.message_at(state, 1, "msg:", "headers");
    if (routed == nullptr) return -1;
    if (lua_type(state, 2) != LUA_TSTRING) {
        return push_error(state, "msg:headers: argument 1 (name) must be a string");
    }
    lua_newtable(state);
    int index = 0;
    for (const sip::HeaderView& line : routed->message.headers(detail::to_string_view(state, 2))) {
        detail::push_string(state, line.value);
        lua_rawseti(state, -2, ++index);
    }
    return 1;
}

int has_totag_method(lua_State* state, Core& core) {
    const RoutedMessage* routed = core.message_at(state, 1, "msg:", "has_totag");
    if (routed == nullptr) return -1;
    lua_pushboolean(state, has_to_tag(routed->message) ? 1 : 0);
    return 1;
}

int is_method_method(lua_State* state, Core& core) {
    const RoutedMessage* routed = core.message_at(state, 1, "msg:", "is_method");
    if (routed == nullptr) return -1;
    if (lua_type(state, 2) != LUA_TSTRING) {
        return push_error(state, "msg:is_method: argument 1 (methods) must be a string");
    }
    lua_pushboolean(state,
                    is_method_one_of(routed->message, detail::to_string_view(state, 2)) ? 1 : 0);
    return 1;
}

template <int (*Method)(lua_State*, Core&)>
int method_entry(lua_State* state) {
    const int results = Method(state, core_of(state));
    if (results < 0) return lua_error(state);
    return results;
}

const struct {
    const char* name;
    lua_CFunction function;
} kMethods[] = {
    {"header", method_entry<header_method>},
    {"headers", method_entry<headers_method>},
    {"has_totag", method_entry<has_totag_method>},
    {"is_method", method_entry<is_method_method>},
};

// ---- metamethods --------------------------------------------------------

// __index(msg, key): a method (upvalue 2 holds the method table) or a field.
int index_message(lua_State* state, Core& core) {
    if (lua_type(state, 2) != LUA_TSTRING) return push_error(state, "msg: field names are strings");
    lua_pushvalue(state, 2);
    lua_rawget(state, lua_upvalueindex(2));
    if (!lua_isnil(state, -1)) return 1;
    lua_pop(state, 1);
    const std::string_view key = detail::to_string_view(state, 2);
    const Field* field = find_field(key);
    if (field == nullptr) return push_error(state, "msg has no field '" + std::string(key) + "'");
    const RoutedMessage* routed = core.message_at(state, 1, "msg.", key);
    if (routed == nullptr) return -1;
    field->get(state, *routed);
    return 1;
}

int set_request_uri(lua_State* state, const RoutedMessage& routed) {
    if (!routed.message.is_request()) {
        return push_error(state, "msg.ruri: only a request has a Request-URI");
    }
    if (lua_isnil(state, 3)) {
        routed.actions.request_uri.reset();
        return 0;
    }
    if (lua_type(state, 3) != LUA_TSTRING) {
        return push_error(
            state, std::string("msg.ruri: must be a string (got ") + luaL_typename(state, 3) + ")");
    }
    const std::string_view text = detail::to_string_view(state, 3);
    auto uri = sip::parse_uri(text);
    if (!uri) {
        return push_error(state,
                          "msg.ruri: bad URI '" + std::string(text) + "': " + uri.error().reason);
    }
    routed.actions.request_uri = std::string(text);
    return 0;
}

int set_destination(lua_State* state, const RoutedMessage& routed) {
    if (lua_isnil(state, 3)) {
        routed.actions.destination.reset();
        return 0;
    }
    if (lua_type(state, 3) != LUA_TSTRING) {
        return push_error(
            state, std::string("msg.dst: must be a string (got ") + luaL_typename(state, 3) + ")");
    }
    const std::string_view text = detail::to_string_view(state, 3);
    auto destination = parse_destination(text);
    if (!destination) {
        return push_error(state, "msg.dst: bad destination '" + std::string(text) +
                                     "': " + destination.error().reason);
    }
    routed.actions.destination = std::move(*destination);
    return 0;
}

// __newindex(msg, key, value): msg.ruri and msg.dst; other fields are read-only.
int set_message_field(lua_State* state, Core& core) {
    if (lua_type(state, 2) != LUA_TSTRING) return push_error(state, "msg: field names are strings");
    const std::string_view key = detail::to_string_view(state, 2);
    if (key != "ruri" && key != "dst") {
        if (find_field(key) != nullptr) {
            return push_error(state, "msg." + std::string(key) + " is read-only");
        }
        return push_error(state, "msg has no field '" + std::string(key) + "'");
    }
    const RoutedMessage* routed = core.message_at(state, 1, "msg.", key);
    if (routed == nullptr) return -1;
    return key == "ruri" ? set_request_uri(state, *routed) : set_destination(state, *routed);
}

int message_to_string(lua_State* state, Core& core) {
    auto* handle = static_cast<MessageHandle*>(lua_touserdata(state, 1));
    const Core::Frame* frame = handle != nullptr ? core.find_frame(handle->frame_id) : nullptr;
    if (frame == nullptr || frame->message == nullptr) {
        lua_pushliteral(state, "msg (no longer valid)");
        return 1;
    }
    const sip::Message& message = frame->message->message;
    const std::string text = "msg (" + std::string(message.first_line()) + ")";
    detail::push_string(state, text);
    return 1;
}

}  // namespace

void ScriptEngine::Core::push_message_object(lua_State* state, std::uint64_t frame_id) {
    void* memory = lua_newuserdata(state, sizeof(MessageHandle));
    new (memory) MessageHandle{frame_id};
    lua_rawgeti(state, LUA_REGISTRYINDEX, message_metatable_ref_);
    lua_setmetatable(state, -2);
}

const RoutedMessage* ScriptEngine::Core::message_at(lua_State* state, int index,
                                                    std::string_view prefix,
                                                    std::string_view name) {
    bool is_message = false;
    if (lua_type(state, index) == LUA_TUSERDATA && lua_getmetatable(state, index) != 0) {
        lua_rawgeti(state, LUA_REGISTRYINDEX, message_metatable_ref_);
        is_message = lua_rawequal(state, -1, -2) != 0;
        lua_pop(state, 2);
    }
    if (!is_message) {
        push_error(state, std::string(prefix) + std::string(name) +
                              ": not called on the msg object (write msg:name(...))");
        return nullptr;
    }
    const auto* handle = static_cast<const MessageHandle*>(lua_touserdata(state, index));
    const Frame* frame = find_frame(handle->frame_id);
    if (frame == nullptr || frame->message == nullptr) {
        push_error(state, std::string(prefix) + std::string(name) +
                              ": msg is no longer valid (the route it was given to has returned)");
        return nullptr;
    }
    return frame->message;
}

void ScriptEngine::Core::install_message_metatable() {
    lua_State* state = lua();
    lua_newtable(state);  // the metatable

    lua_pushliteral(state, "__index");
    lua_pushlightuserdata(state, this);
    lua_createtable(state, 0, static_cast<int>(std::size(kMethods)));
    for (const auto& method : kMethods) {
        lua_pushlightuserdata(state, this);
        lua_pushcclosure(state, method.function, 1);
        lua_setfield(state, -2, method.name);
    }
    lua_pushcclosure(state, method_entry<index_message>, 2);
    lua_rawset(state, -3);

    lua_pushliteral(state, "__newindex");
    lua_pushlightuserdata(state, this);
    lua_pushcclosure(state, method_entry<set_message_field>, 1);
    lua_rawset(state, -3);

    lua_pushliteral(state, "__tostring");
    lua_pushlightuserdata(state, this);
    lua_pushcclosure(state, method_entry<message_to_string>, 1);
    lua_rawset(state, -3);

    // getmetatable(msg) gives this string instead of the table, so a script
    // cannot change how msg behaves.
    lua_pushliteral(state, "__metatable");
    lua_pushliteral(state, "msg");
    lua_rawset(state, -3);

    message_metatable_ref_ = luaL_ref(state, LUA_REGISTRYINDEX);
}

}  // namespace tandem::script
