#include "sip/uri.h"

#include "base/strings.h"
#include "sip/chars.h"
#include "sip/grammar.h"

namespace tandem::sip {
namespace {

constexpr std::uint16_t kUserChars = chars::kUnreserved | chars::kUser;
constexpr std::uint16_t kPasswordChars = chars::kUnreserved | chars::kPassword;
constexpr std::uint16_t kParamChars = chars::kUnreserved | chars::kParam;
constexpr std::uint16_t kHeaderChars = chars::kUnreserved | chars::kHeader;

bool valid_scheme(std::string_view scheme) {
    if (scheme.empty() || !chars::is_alpha(scheme.front())) return false;
    for (char c : scheme) {
        if (!chars::has(c, chars::kScheme)) return false;
    }
    return true;
}

// Visible ASCII and UTF-8 bytes: what an opaque URI may hold.
bool valid_opaque(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte == 0x7f) return false;
        if (c == '<' || c == '>' || c == '"') return false;
    }
    return true;
}

// *( ";" name [ "=" value ] ) from text[i]: names and values of `allowed`
// characters or %HH escapes, neither empty. Returns where the parameters end
// (the end of `text` or a '?'), npos when they are malformed.
std::size_t scan_uri_params(std::string_view text, std::size_t i, std::uint16_t allowed) {
    while (i < text.size() && text[i] != '?') {
        if (text[i] != ';') return std::string_view::npos;
        const std::size_t name_start = ++i;
        i = chars::skip_escaped(text, i, allowed);
        if (i == name_start) return std::string_view::npos;
        if (i < text.size() && text[i] == '=') {
            const std::size_t value_start = ++i;
            i = chars::skip_escaped(text, i, allowed);
            if (i == value_start) return std::string_view::npos;
        }
    }
    return i;
}

// name "=" [ value ] *( "&" name "=" [ value ] )
bool valid_uri_headers(std::string_view text) {
    std::size_t i = 0;
    while (true) {
        const std::size_t name_start = i;
        i = chars::skip_escaped(text, i, kHeaderChars);
        if (i == name_start || i >= text.size() || text[i] != '=') return false;
        i = chars::skip_escaped(text, i + 1, kHeaderChars);
        if (i == text.size()) return true;
        if (text[i] != '&') return false;
        ++i;
    }
}

// tel: global numbers ("+1-201-555-0123") and local ones ("7042;phone-context=...").
bool valid_tel_number(std::string_view number) {
    if (number.empty()) return false;
    for (char c : number) {
        const bool visual = c == '-' || c == '.' || c == '(' || c == ')';
        if (!chars::is_hex(c) && !visual && c != '*' && c != '#' && c != '+') return false;
    }
    return true;
}

Status parse_sip_parts(std::string_view rest, Uri& uri) {
    const std::size_t at = rest.find('@');
    if (at != std::string_view::npos) {
        const std::string_view userinfo = rest.substr(0, at);
        const std::size_t colon = userinfo.find(':');
        uri.user = userinfo.substr(0, colon);
        if (colon != std::string_view::npos) {
            uri.has_password = true;
            uri.password = userinfo.substr(colon + 1);
            if (!chars::all_escaped(uri.password, kPasswordChars)) {
                return make_error("Bad URI password");
            }
        }
        if (uri.user.empty() || !chars::all_escaped(uri.user, kUserChars)) {
            return make_error("Bad URI user");
        }
        rest = rest.substr(at + 1);
    }

    std::size_t i = 0;
    if (!rest.empty() && rest.front() == '[') {
        const std::size_t close = rest.find(']');
        if (close == std::string_view::npos) return make_error("Bad URI host");
        i = close + 1;
    } else {
        i = chars::skip(rest, 0, chars::kHostName);
    }
    uri.host = rest.substr(0, i);
    const auto kind = grammar::classify_host(uri.host);
    if (!kind) return make_error("Bad URI host");
    uri.host_kind = *kind;

    if (i < rest.size() && rest[i] == ':') {
        const std::size_t start = ++i;
        i = chars::skip(rest, i, chars::kDigit);
        const auto port = parse_uint(rest.substr(start, i - start), 65535);
        if (!port) return make_error("Bad URI port");
        uri.port = static_cast<std::uint16_t>(*port);
    }
    if (i < rest.size() && rest[i] != ';' && rest[i] != '?') return make_error("Bad URI host");

    const std::size_t params_end = scan_uri_params(rest, i, kParamChars);
    if (params_end == std::string_view::npos) return make_error("Bad URI parameter");
    uri.params = Params(rest.substr(i, params_end - i), ';');
    if (params_end < rest.size()) {  // at '?'
        const std::string_view headers = rest.substr(params_end + 1);
        if (!valid_uri_headers(headers)) return make_error("Bad URI header");
        uri.headers = Params(headers, '&');
    }
    return {};
}

bool is_visual_separator(char c) {
    return c == '-' || c == '.' || c == '(' || c == ')';
}

bool tel_numbers_equal(std::string_view a, std::string_view b) {
    std::size_t i = 0;
    std::size_t j = 0;
    while (true) {
        while (i < a.size() && is_visual_separator(a[i]))
            ++i;
        while (j < b.size() && is_visual_separator(b[j]))
            ++j;
        if (i == a.size() || j == b.size()) return i == a.size() && j == b.size();
        if (ascii_lower(a[i]) != ascii_lower(b[j])) return false;
        ++i;
        ++j;
    }
}

bool param_values_equal(const Param& a, const Param& b) {
    return a.has_value == b.has_value && escaped_equal(a.value, b.value, true);
}

// A repeated parameter name counts once, with its first value (what find()
// returns), so that comparisons stay reflexive and symmetric.
bool is_first_of_its_name(const Params& params, const Param& param) {
    return params.find(param.name)->name.data() == param.name.data();
}

// The same parameter names on both sides, with equal values.
bool same_param_set(const Params& a, const Params& b, bool case_sensitive_values) {
    for (const Param& param : a) {
        if (!is_first_of_its_name(a, param)) continue;
        const auto other = b.find(param.name);
        if (!other || other->has_value != param.has_value ||
            !escaped_equal(param.value, other->value, !case_sensitive_values)) {
            return false;
        }
    }
    for (const Param& param : b) {
        if (!a.has(param.name)) return false;
    }
    return true;
}

bool is_must_match_param(std::string_view name) {
    return iequals(name, "transport") || iequals(name, "user") || iequals(name, "ttl") ||
           iequals(name, "method") || iequals(name, "maddr");
}

bool sip_params_equivalent(const Params& a, const Params& b) {
    for (const Param& param : a) {
        if (!is_first_of_its_name(a, param)) continue;
        const auto other = b.find(param.name);
        if (other) {
            if (!param_values_equal(param, *other)) return false;
        } else if (is_must_match_param(param.name)) {
            return false;
        }
    }
    for (const Param& param : b) {
        if (is_must_match_param(param.name) && !a.has(param.name)) return false;
    }
    return true;
}

}  // namespace

std::string_view Uri::host_address() const {
    if (host_kind == HostKind::IPv6 && host.size() >= 2) return host.substr(1, host.size() - 2);
    return host;
}

namespace grammar {

Status parse_uri_into(std::string_view text, Uri& uri) {
    uri.text = text;
    const std::size_t colon = text.find(':');
    if (colon == std::string_view::npos || !valid_scheme(text.substr(0, colon))) {
        return make_error("Bad URI scheme");
    }
    uri.scheme_text = text.substr(0, colon);
    const std::string_view rest = text.substr(colon + 1);
    if (uri.scheme_text == "sip" || iequals(uri.scheme_text, "sip")) {
        uri.scheme = UriScheme::Sip;
    } else if (iequals(uri.scheme_text, "sips")) {
        uri.scheme = UriScheme::Sips;
    } else if (iequals(uri.scheme_text, "tel")) {
        uri.scheme = UriScheme::Tel;
    } else {
        if (!valid_opaque(rest)) return make_error("Bad URI");
        uri.opaque = rest;
        return {};
    }

    if (uri.scheme == UriScheme::Tel) {
        const std::size_t semicolon = rest.find(';');
        uri.user = rest.substr(0, semicolon);
        if (!valid_tel_number(uri.user)) return make_error("Bad telephone number");
        if (semicolon != std::string_view::npos) {
            const std::string_view params = rest.substr(semicolon);
            if (scan_uri_params(params, 0, kParamChars) != params.size()) {
                return make_error("Bad URI parameter");
            }
            uri.params = Params(params, ';');
        }
        return {};
    }
    return parse_sip_parts(rest, uri);
}

}  // namespace grammar

Result<Uri> parse_uri(std::string_view text) {
    Uri uri;
    if (auto status = grammar::parse_uri_into(text, uri); !status) return status.error();
    return uri;
}

bool uri_equivalent(const Uri& a, const Uri& b) {
    if (a.scheme != b.scheme) return false;
    switch (a.scheme) {
        case UriScheme::Other:
            return iequals(a.scheme_text, b.scheme_text) && a.opaque == b.opaque;
        case UriScheme::Tel:
            return tel_numbers_equal(a.user, b.user) && same_param_set(a.params, b.params, false);
        case UriScheme::Sip:
        case UriScheme::Sips:
            break;
    }
    if (!escaped_equal(a.user, b.user, false)) return false;
    if (a.has_password != b.has_password || !escaped_equal(a.password, b.password, false)) {
        return false;
    }
    if (!iequals(a.host, b.host)) return false;
    if (a.port != b.port) return false;
    if (!sip_params_equivalent(a.params, b.params)) return false;
    return same_param_set(a.headers, b.headers, true);
}

namespace grammar {

Status parse_name_addr_head(std::string_view text, std::size_t& pos, NameAddr& out) {
    std::size_t i = chars::skip(text, pos, chars::kLws);
    if (i >= text.size() || text[i] == ',') return make_error("Empty address");

    std::size_t uri_open = std::string_view::npos;  // the '<', when there is one
    if (text[i] == '"') {
        const std::size_t end = skip_quoted(text, i);
        if (end == std::string_view::npos) return make_error("Unterminated display name");
        out.display_name = text.substr(i + 1, end - i - 2);
        out.display_name_quoted = true;
        uri_open = chars::skip(text, end, chars::kLws);
        if (uri_open >= text.size() || text[uri_open] != '<') {
            return make_error("Missing <URI> after display name");
        }
    } else {
        // Tokens (a display name) up to '<', or else a bare addr-spec.
        std::size_t j = i;
        while (j < text.size() && text[j] != '<' &&
               (chars::is_token_char(text[j]) || chars::is_lws(text[j]) ||
                static_cast<unsigned char>(text[j]) >= 0x80)) {
            ++j;
        }
        if (j < text.size() && text[j] == '<') {
            out.display_name = trim(text.substr(i, j - i));
            uri_open = j;
        }
    }

    if (uri_open != std::string_view::npos) {
        const std::size_t close = text.find('>', uri_open);
        if (close == std::string_view::npos) return make_error("Missing '>'");
        if (auto status = parse_uri_into(text.substr(uri_open + 1, close - uri_open - 1), out.uri);
            !status) {
            return status;
        }
        out.bracketed = true;
        i = close + 1;
    } else {
        // addr-spec: the URI ends at ';', ',' or LWS; what follows ';' is
        // header parameters.
        std::size_t end = i;
        while (end < text.size() && text[end] != ';' && text[end] != ',' &&
               !chars::is_lws(text[end])) {
            ++end;
        }
        if (auto status = parse_uri_into(text.substr(i, end - i), out.uri); !status) return status;
        if (!out.uri.headers.raw().empty()) return make_error("URI with headers needs <>");
        i = end;
    }

    pos = i;
    return {};
}

Status parse_name_addr_at(std::string_view text, std::size_t& pos, NameAddr& out) {
    return parse_name_addr_with(text, pos, out, [](const Param&) { return Status(); });
}

}  // namespace grammar

Result<NameAddr> parse_name_addr(std::string_view text) {
    NameAddr result;
    std::size_t pos = 0;
    if (auto status = grammar::parse_name_addr_at(text, pos, result); !status) {
        return status.error();
    }
    if (pos != text.size()) return make_error("Unexpected ',' in address");
    return result;
}

}  // namespace tandem::sip
