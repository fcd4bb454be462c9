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

// ";name[=value]" repeated: every name and value in `allowed` or escaped.
bool valid_uri_params(std::string_view text, std::uint16_t allowed) {
    Params params(text, ';');
    if (text.empty()) return true;
    if (text.front() != ';') return false;
    // Every separator must introduce a non-empty parameter.
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {
        if (text[i] == ';' && (text[i + 1] == ';' || text[i + 1] == '=')) return false;
    }
    if (text.back() == ';') return false;
    for (const Param& param : params) {
        if (param.quoted || !chars::all_escaped(param.name, allowed)) return false;
        if (param.has_value && !chars::all_escaped(param.value, allowed)) return false;
        if (param.has_value && param.value.empty()) return false;
    }
    return true;
}

// "name=value" separated by '&'.
bool valid_uri_headers(std::string_view text) {
    if (text.empty()) return false;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find('&', start);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view header = text.substr(start, end - start);
        const std::size_t equals = header.find('=');
        if (equals == std::string_view::npos || equals == 0) return false;
        if (!chars::all_escaped(header.substr(0, equals), kHeaderChars)) return false;
        if (!chars::all_escaped(header.substr(equals + 1), kHeaderChars)) return false;
        start = end + 1;
    }
    return true;
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

Result<Uri> parse_sip_parts(Uri uri, std::string_view rest) {
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
        while (i < rest.size() && rest[i] != ':' && rest[i] != ';' && rest[i] != '?')
            ++i;
    }
    uri.host = rest.substr(0, i);
    const auto kind = grammar::classify_host(uri.host);
    if (!kind) return make_error("Bad URI host");
    uri.host_kind = *kind;

    if (i < rest.size() && rest[i] == ':') {
        const std::size_t start = ++i;
        while (i < rest.size() && rest[i] != ';' && rest[i] != '?')
            ++i;
        const auto port = parse_uint(rest.substr(start, i - start), 65535);
        if (!port) return make_error("Bad URI port");
        uri.port = static_cast<std::uint16_t>(*port);
    }

    const std::size_t question = rest.find('?', i);
    const std::string_view params =
        rest.substr(i, question == std::string_view::npos ? std::string_view::npos : question - i);
    if (!valid_uri_params(params, kParamChars)) return make_error("Bad URI parameter");
    uri.params = Params(params, ';');
    if (question != std::string_view::npos) {
        const std::string_view headers = rest.substr(question + 1);
        if (!valid_uri_headers(headers)) return make_error("Bad URI header");
        uri.headers = Params(headers, '&');
    }
    return uri;
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

// Every parameter of `a` is in `b` with an equal value, and they hold the same
// number of parameters.
bool same_param_set(const Params& a, const Params& b, bool case_sensitive_values) {
    std::size_t count_a = 0;
    for (const Param& param : a) {
        ++count_a;
        const auto other = b.find(param.name);
        if (!other || other->has_value != param.has_value ||
            !escaped_equal(param.value, other->value, !case_sensitive_values)) {
            return false;
        }
    }
    return count_a == b.size();
}

bool is_must_match_param(std::string_view name) {
    return iequals(name, "transport") || iequals(name, "user") || iequals(name, "ttl") ||
           iequals(name, "method") || iequals(name, "maddr");
}

bool sip_params_equivalent(const Params& a, const Params& b) {
    for (const Param& param : a) {
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

Result<Uri> parse_uri(std::string_view text) {
    Uri uri;
    uri.text = text;
    const std::size_t colon = text.find(':');
    if (colon == std::string_view::npos || !valid_scheme(text.substr(0, colon))) {
        return make_error("Bad URI scheme");
    }
    uri.scheme_text = text.substr(0, colon);
    const std::string_view rest = text.substr(colon + 1);
    if (iequals(uri.scheme_text, "sip")) {
        uri.scheme = UriScheme::Sip;
    } else if (iequals(uri.scheme_text, "sips")) {
        uri.scheme = UriScheme::Sips;
    } else if (iequals(uri.scheme_text, "tel")) {
        uri.scheme = UriScheme::Tel;
    } else {
        if (!valid_opaque(rest)) return make_error("Bad URI");
        uri.opaque = rest;
        return uri;
    }

    if (uri.scheme == UriScheme::Tel) {
        const std::size_t semicolon = rest.find(';');
        uri.user = rest.substr(0, semicolon);
        if (!valid_tel_number(uri.user)) return make_error("Bad telephone number");
        if (semicolon != std::string_view::npos) {
            const std::string_view params = rest.substr(semicolon);
            if (!valid_uri_params(params, kParamChars)) return make_error("Bad URI parameter");
            uri.params = Params(params, ';');
        }
        return uri;
    }
    return parse_sip_parts(uri, rest);
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

Result<NameAddr> parse_name_addr(std::string_view text) {
    NameAddr result;
    text = trim(text);
    result.text = text;
    if (text.empty()) return make_error("Empty address");

    std::size_t uri_start = 0;
    if (text.front() == '"') {
        const std::size_t end = grammar::skip_quoted(text, 0);
        if (end == std::string_view::npos) return make_error("Unterminated display name");
        result.display_name = text.substr(1, end - 2);
        result.display_name_quoted = true;
        uri_start = end;
        while (uri_start < text.size() && is_lws(text[uri_start]))
            ++uri_start;
        if (uri_start >= text.size() || text[uri_start] != '<') {
            return make_error("Missing <URI> after display name");
        }
    } else {
        uri_start = text.find('<');
        if (uri_start != std::string_view::npos) {
            result.display_name = trim(text.substr(0, uri_start));
            if (!grammar::valid_token_display_name(result.display_name)) {
                return make_error("Bad display name");
            }
        }
    }

    std::string_view after;
    if (uri_start != std::string_view::npos) {
        const std::size_t close = text.find('>', uri_start);
        if (close == std::string_view::npos) return make_error("Missing '>'");
        auto uri = parse_uri(text.substr(uri_start + 1, close - uri_start - 1));
        if (!uri) return uri.error();
        result.uri = *uri;
        result.bracketed = true;
        after = text.substr(close + 1);
    } else {
        // addr-spec: the URI ends at the first ';' or LWS; what follows is
        // header parameters.
        std::size_t end = 0;
        while (end < text.size() && text[end] != ';' && !is_lws(text[end]))
            ++end;
        auto uri = parse_uri(text.substr(0, end));
        if (!uri) return uri.error();
        if (!uri->headers.raw().empty()) return make_error("URI with headers needs <>");
        result.uri = *uri;
        after = text.substr(end);
    }
    after = grammar::ltrim(after);
    if (!grammar::valid_header_params(after)) return make_error("Bad address parameters");
    result.params = Params(after, ';');
    return result;
}

}  // namespace tandem::sip
