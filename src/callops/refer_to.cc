#include "callops/refer_to.h"

#include "base/strings.h"
#include "sip/syntax.h"
#include "sip/uri.h"

namespace tandem::callops {
namespace {

bool is_unreserved(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    switch (c) {
        case '-':
        case '_':
        case '.':
        case '!':
        case '~':
        case '*':
        case '\'':
        case '(':
        case ')':
            return true;
        default:
            return false;
    }
}

std::string escape(std::string_view value, std::string_view also_allowed) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (is_unreserved(c) || also_allowed.find(c) != std::string_view::npos) {
            out.push_back(c);
            continue;
        }
        const auto byte = static_cast<unsigned char>(c);
        out.push_back('%');
        out.push_back(kHex[byte >> 4]);
        out.push_back(kHex[byte & 0xf]);
    }
    return out;
}

Result<sip::Uri> sip_uri(std::string_view destination) {
    auto uri = sip::parse_uri(destination);
    if (!uri || !uri->is_sip()) return make_error("destination is not a SIP URI", 400);
    return *uri;
}

// Where the URI headers ("?...") begin, or the end of the text. A '?' in the
// user part is allowed, so the search starts after the host.
std::size_t headers_start(const sip::Uri& uri) {
    const std::string_view text = uri.text;
    const auto host_end = static_cast<std::size_t>(uri.host.data() + uri.host.size() - text.data());
    return std::min(text.find('?', host_end), text.size());
}

}  // namespace

std::string escape_param_value(std::string_view value) {
    return escape(value, "[]/:&+$");
}

std::string escape_header_value(std::string_view value) {
    return escape(value, "[]/?:+$");
}

Result<std::string> blind_target(std::string_view destination, std::string_view name,
                                 std::string_view value) {
    auto uri = sip_uri(destination);
    if (!uri) return uri.error();
    if (name.empty()) return std::string(destination);
    const std::size_t at = headers_start(*uri);
    std::string target(destination.substr(0, at));
    target += ';';
    target.append(name);
    target += '=';
    target += escape_param_value(value);
    target.append(destination.substr(at));
    return target;
}

Result<std::string> attended_target(std::string_view destination, std::string_view call_id,
                                    std::string_view to_tag, std::string_view from_tag) {
    auto uri = sip_uri(destination);
    if (!uri) return uri.error();
    if (uri->header("Replaces")) return make_error("destination already has Replaces", 400);
    std::string target(destination);
    target += headers_start(*uri) < destination.size() ? '&' : '?';
    target += "Replaces=";
    target += escape_header_value(call_id);
    target += "%3Bto-tag%3D";
    target += escape_header_value(to_tag);
    target += "%3Bfrom-tag%3D";
    target += escape_header_value(from_tag);
    return target;
}

std::string refer_to_value(std::string_view target) {
    std::string value;
    value.reserve(target.size() + 2);
    value += '<';
    value.append(target);
    value += '>';
    return value;
}

std::optional<TakenParam> take_uri_param(std::string_view request_uri, std::string_view name) {
    auto uri = sip::parse_uri(request_uri);
    if (!uri || !uri->is_sip()) return std::nullopt;
    for (const sip::Param& param : uri->params) {
        if (!iequals(param.name, name)) continue;
        // From the ';' before the name to the end of the value (views into
        // the URI text).
        const auto begin = static_cast<std::size_t>(param.name.data() - request_uri.data()) - 1;
        const std::string_view last = param.has_value ? param.value : param.name;
        auto end = static_cast<std::size_t>(last.data() + last.size() - request_uri.data());
        if (param.quoted) ++end;
        TakenParam taken;
        taken.value = sip::unescape(param.value);
        taken.uri = std::string(request_uri.substr(0, begin));
        taken.uri.append(request_uri.substr(end));
        return taken;
    }
    return std::nullopt;
}

}  // namespace tandem::callops
