// tandem-parse: reads one SIP message (or, with --sdp, one SDP body) from a
// file or standard input, prints its parsed structure as JSON and exits 0
// when it is valid; exits 1 with the reason on standard error when it is not,
// and 2 on a usage or I/O error. Whatever the bytes, it never crashes.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "sdp/parse.h"
#include "sip/header_id.h"
#include "sip/message.h"
#include "sip/syntax.h"
#include "sip/uri.h"
#include "sip/validate.h"

namespace {

using json = nlohmann::ordered_json;  // keeps the order fields are added in
using namespace tandem;

// Input larger than this is refused before parsing.
constexpr std::size_t kMaxInputBytes = sip::kMaxMessageBytes;

// JSON strings must be UTF-8; SIP text may carry any byte. Bytes that do not
// form valid UTF-8 are written as \u00XX of the byte, so nothing is lost.
json text(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    std::size_t i = 0;
    while (i < bytes.size()) {
        auto lead = static_cast<unsigned char>(bytes[i]);
        std::size_t length = lead < 0x80           ? 1
                             : (lead >> 5) == 0x6  ? 2
                             : (lead >> 4) == 0xE  ? 3
                             : (lead >> 3) == 0x1E ? 4
                                                   : 0;
        bool valid = length != 0 && i + length <= bytes.size();
        for (std::size_t k = 1; valid && k < length; ++k) {
            valid = (static_cast<unsigned char>(bytes[i + k]) & 0xC0) == 0x80;
        }
        if (valid) {
            out.append(bytes.substr(i, length));
            i += length;
        } else {
            // U+0080..U+00FF encoded as two UTF-8 bytes keeps the byte's value.
            out += static_cast<char>(0xC0 | (lead >> 6));
            out += static_cast<char>(0x80 | (lead & 0x3F));
            ++i;
        }
    }
    return out;
}

json params_json(const sip::Params& params) {
    json out = json::object();
    for (const sip::Param& param : params) {
        std::string name(param.name);
        if (out.contains(name)) continue;  // the first occurrence wins, as in lookups
        out[name] = param.has_value ? text(param.value) : json(true);
    }
    return out;
}

std::string_view scheme_name(sip::UriScheme scheme) {
    switch (scheme) {
        case sip::UriScheme::Sip:
            return "sip";
        case sip::UriScheme::Sips:
            return "sips";
        case sip::UriScheme::Tel:
            return "tel";
        case sip::UriScheme::Other:
            break;
    }
    return "other";
}

std::string_view host_kind_name(sip::HostKind kind) {
    switch (kind) {
        case sip::HostKind::Name:
            return "name";
        case sip::HostKind::IPv4:
            return "ipv4";
        case sip::HostKind::IPv6:
            return "ipv6";
        case sip::HostKind::None:
            break;
    }
    return "none";
}

json uri_json(const sip::Uri& uri) {
    json out = {{"text", text(uri.text)}, {"scheme", scheme_name(uri.scheme)}};
    if (uri.scheme == sip::UriScheme::Other) {
        out["scheme_text"] = text(uri.scheme_text);
        out["opaque"] = text(uri.opaque);
        return out;
    }
    if (!uri.user.empty()) out["user"] = text(uri.user);
    if (uri.has_password) out["password"] = text(uri.password);
    if (uri.host_kind != sip::HostKind::None) {
        out["host"] = text(uri.host);
        out["host_kind"] = host_kind_name(uri.host_kind);
    }
    if (uri.port) out["port"] = *uri.port;
    if (!uri.params.empty()) out["params"] = params_json(uri.params);
    if (!uri.headers.empty()) out["headers"] = params_json(uri.headers);
    return out;
}

json name_addr_json(const sip::NameAddr& name_addr) {
    json out = {{"uri", uri_json(name_addr.uri)}};
    if (!name_addr.display_name.empty()) {
        out["display_name"] = name_addr.display_name_quoted
                                  ? text(sip::unquote(name_addr.display_name))
                                  : text(name_addr.display_name);
    }
    if (!name_addr.params.empty()) out["params"] = params_json(name_addr.params);
    return out;
}

json via_json(const sip::Via& via) {
    json out = {{"protocol", text(via.protocol_name)},
                {"version", text(via.protocol_version)},
                {"transport", text(via.transport)},
                {"host", text(via.host)}};
    if (via.port) out["port"] = *via.port;
    if (!via.branch.empty()) out["branch"] = text(via.branch);
    if (via.received) out["received"] = text(*via.received);
    if (via.has_rport) out["rport"] = via.rport ? json(*via.rport) : json(true);
    if (via.maddr) out["maddr"] = text(*via.maddr);
    if (via.ttl) out["ttl"] = *via.ttl;
    if (!via.params.empty()) out["params"] = params_json(via.params);
    return out;
}

// Adds a single-value structured header when present; a malformed one was
// already reported by validation or is reported as "<name>_error".
template <typename T, typename ToJson>
void add_parsed(json& out, const char* key, const sip::Parsed<T>& parsed, ToJson to_json) {
    if (parsed.ok()) {
        out[key] = to_json(*parsed);
    } else if (parsed.present()) {
        out[std::string(key) + "_error"] = text(parsed.reason());
    }
}

template <typename T, typename ToJson>
void add_list(json& out, const char* key, const Result<std::span<const T>>& list, ToJson to_json) {
    if (!list.ok()) {
        out[std::string(key) + "_error"] = list.error().reason;
        return;
    }
    if (list->empty()) return;
    json items = json::array();
    for (const T& item : *list)
        items.push_back(to_json(item));
    out[key] = std::move(items);
}

json sdp_json(const sdp::SessionDescription& session) {
    const sdp::Origin& origin = session.origin;
    json out = {{"origin",
                 {{"username", text(origin.username)},
                  {"session_id", text(origin.session_id)},
                  {"session_version", origin.session_version},
                  {"address", text(origin.address)}}},
                {"name", text(session.name)}};
    if (session.connection) out["connection"] = text(session.connection->address);
    if (auto direction = session.direction()) out["direction"] = sdp::direction_name(*direction);
    json attributes = json::array();
    for (const sdp::Attribute& attribute : session.attributes) {
        attributes.push_back({{"name", text(attribute.name)},
                              {"value", attribute.value ? text(*attribute.value) : json()}});
    }
    if (!attributes.empty()) out["attributes"] = std::move(attributes);
    json media = json::array();
    for (const sdp::MediaDescription& stream : session.media) {
        json item = {{"type", text(stream.type)},
                     {"port", stream.port},
                     {"protocol", text(stream.protocol)},
                     {"formats", json::array()}};
        for (const std::string& format : stream.formats)
            item["formats"].push_back(text(format));
        if (!stream.connections.empty())
            item["connection"] = text(stream.connections.front().address);
        if (auto direction = stream.direction())
            item["direction"] = sdp::direction_name(*direction);
        json rtpmaps = json::object();
        for (const std::string& format : stream.formats) {
            auto payload_type = parse_uint(format, 127);
            if (!payload_type) continue;
            if (auto rtpmap = stream.rtpmap(static_cast<unsigned>(*payload_type))) {
                std::string encoding(rtpmap->encoding_name);
                encoding += '/' + std::to_string(rtpmap->clock_rate);
                if (!rtpmap->encoding_parameters.empty()) {
                    encoding += '/';
                    encoding += rtpmap->encoding_parameters;
                }
                rtpmaps[format] = text(encoding);
            }
        }
        if (!rtpmaps.empty()) item["rtpmap"] = std::move(rtpmaps);
        media.push_back(std::move(item));
    }
    out["media"] = std::move(media);
    return out;
}

json message_json(const sip::Message& message) {
    json out;
    if (message.is_request()) {
        out["type"] = "request";
        out["method"] = text(message.method_text());
        add_parsed(out, "request_uri", message.request_uri(), uri_json);
    } else {
        out["type"] = "response";
        out["status"] = message.status_code();
        out["reason"] = text(message.reason_phrase());
    }
    json headers = json::array();
    for (std::size_t i = 0; i < message.header_count(); ++i) {
        sip::HeaderView header = message.header_at(i);
        headers.push_back({{"name", text(header.name)}, {"value", text(header.value)}});
    }
    out["headers"] = std::move(headers);

    add_list(out, "via", message.vias(), via_json);
    add_parsed(out, "from", message.from(), [](const sip::FromTo& v) {
        json j = name_addr_json(v);
        if (!v.tag.empty()) j["tag"] = text(v.tag);
        return j;
    });
    add_parsed(out, "to", message.to(), [](const sip::FromTo& v) {
        json j = name_addr_json(v);
        if (!v.tag.empty()) j["tag"] = text(v.tag);
        return j;
    });
    if (message.has(sip::HeaderId::CallId)) out["call_id"] = text(message.call_id());
    add_parsed(out, "cseq", message.cseq(), [](const sip::CSeq& v) {
        return json{{"number", v.number}, {"method", text(v.method_text)}};
    });
    add_list(out, "contact", message.contacts(),
             [](const sip::Contact& v) { return v.wildcard ? json("*") : name_addr_json(v); });
    add_list(out, "route", message.routes(), name_addr_json);
    add_list(out, "record_route", message.record_routes(), name_addr_json);
    add_parsed(out, "max_forwards", message.max_forwards(), [](std::uint32_t v) { return v; });
    add_parsed(out, "content_type", message.content_type(), [](const sip::ContentType& v) {
        return text(std::string(v.type) + "/" + std::string(v.subtype));
    });
    add_parsed(out, "content_length", message.content_length(), [](std::uint32_t v) { return v; });
    add_parsed(out, "event", message.event(), [](const sip::Event& v) {
        json j = {{"package", text(v.package)}};
        if (!v.id.empty()) j["id"] = text(v.id);
        return j;
    });
    add_parsed(out, "refer_to", message.refer_to(), name_addr_json);
    add_parsed(out, "replaces", message.replaces(), [](const sip::Replaces& v) {
        return json{{"call_id", text(v.call_id)},
                    {"to_tag", text(v.to_tag)},
                    {"from_tag", text(v.from_tag)},
                    {"early_only", v.early_only}};
    });

    std::string_view body = message.body();
    out["body"] = text(body);
    auto content_type = message.content_type();
    if (!body.empty() && content_type.ok() && content_type->is("application", "sdp")) {
        auto session = sdp::parse(body);
        if (session.ok()) {
            out["sdp"] = sdp_json(*session);
        } else {
            out["sdp_error"] = session.error().reason;
        }
    }
    return out;
}

void usage(std::ostream& stream) {
    stream << "usage: tandem-parse [--sdp] [--compact] [FILE]\n"
              "Reads a SIP message (or with --sdp an SDP body) from FILE or standard input,\n"
              "prints its structure as JSON and exits 0 when it is valid, 1 when it is not\n"
              "(the reason goes to standard error), 2 on a usage or I/O error.\n";
}

std::optional<std::string> read_input(const std::string& path) {
    std::FILE* file = path.empty() || path == "-" ? stdin : std::fopen(path.c_str(), "rb");
    if (file == nullptr) return std::nullopt;
    std::string data;
    char chunk[65536];
    std::size_t got = 0;
    while ((got = std::fread(chunk, 1, sizeof chunk, file)) > 0 && data.size() <= kMaxInputBytes) {
        data.append(chunk, got);
    }
    bool failed = std::ferror(file) != 0;
    if (file != stdin) std::fclose(file);
    if (failed) return std::nullopt;
    return data;
}

}  // namespace

int main(int argc, char** argv) {
    bool sdp_mode = false;
    bool compact = false;
    std::string path;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--sdp") {
            sdp_mode = true;
        } else if (arg == "--compact") {
            compact = true;
        } else if (arg == "-h" || arg == "--help") {
            usage(std::cout);
            return 0;
        } else if (arg.size() > 1 && arg.front() == '-') {
            std::cerr << "tandem-parse: unknown option " << arg << "\n";
            usage(std::cerr);
            return 2;
        } else if (path.empty()) {
            path = arg;
        } else {
            usage(std::cerr);
            return 2;
        }
    }

    auto input = read_input(path);
    if (!input) {
        std::cerr << "tandem-parse: cannot read " << (path.empty() ? "standard input" : path)
                  << "\n";
        return 2;
    }
    if (input->size() > kMaxInputBytes) {
        std::cerr << "invalid: input larger than " << kMaxInputBytes << " bytes\n";
        return 1;
    }
    const int indent = compact ? -1 : 2;
    const auto dump = [indent](const json& value) {
        return value.dump(indent, ' ', false, json::error_handler_t::replace);
    };

    if (sdp_mode) {
        auto session = sdp::parse(*input);
        if (!session.ok()) {
            std::cerr << "invalid: " << session.error().reason << "\n";
            return 1;
        }
        std::cout << dump(sdp_json(*session)) << "\n";
        return 0;
    }

    auto message = sip::Message::parse(*input);
    if (!message.ok()) {
        std::cerr << "invalid: " << message.error().reason << "\n";
        return 1;
    }
    json out = message_json(*message);
    Status valid = sip::validate(*message);
    out["valid"] = valid.ok();
    std::cout << dump(out) << "\n";
    if (!valid.ok()) {
        std::cerr << "invalid: " << valid.error().status << " " << valid.error().reason << "\n";
        return 1;
    }
    return 0;
}
