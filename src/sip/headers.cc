#include "sip/headers.h"

#include "base/strings.h"
#include "sip/chars.h"
#include "sip/grammar.h"

namespace tandem::sip {
namespace {

std::size_t skip_lws(std::string_view text, std::size_t i) {
    while (i < text.size() && is_lws(text[i]))
        ++i;
    return i;
}

std::size_t skip_token(std::string_view text, std::size_t i) {
    while (i < text.size() && chars::is_token_char(text[i]))
        ++i;
    return i;
}

// delta-seconds: 1*DIGIT; values beyond 2^32-1 mean 2^32-1 (RFC 3261
// section 20.19 and RFC 4028).
std::optional<std::uint32_t> parse_delta_capped(std::string_view digits) {
    if (digits.empty()) return std::nullopt;
    std::uint64_t value = 0;
    for (char c : digits) {
        if (!chars::is_digit(c)) return std::nullopt;
        if (value <= UINT32_MAX) value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return static_cast<std::uint32_t>(value > UINT32_MAX ? UINT32_MAX : value);
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
bool valid_qvalue(std::string_view q) {
    if (q.empty() || (q[0] != '0' && q[0] != '1')) return false;
    if (q.size() == 1) return true;
    if (q[1] != '.' || q.size() > 5) return false;
    for (char c : q.substr(2)) {
        if (!chars::is_digit(c) || (q[0] == '1' && c != '0')) return false;
    }
    return true;
}

// Splits "digits *(;param)" into the number and its parameters.
struct NumberWithParams {
    std::string_view digits;
    std::string_view params;
};

NumberWithParams split_number(std::string_view value) {
    value = trim(value);
    std::size_t i = 0;
    while (i < value.size() && chars::is_digit(value[i]))
        ++i;
    return {value.substr(0, i), grammar::ltrim(value.substr(i))};
}

}  // namespace

namespace grammar {

Status parse_via_at(std::string_view text, std::size_t& pos, Via& via) {
    std::size_t i = skip_lws(text, pos);
    const std::size_t start = i;

    // sent-protocol = protocol-name SLASH protocol-version SLASH transport,
    // with SWS allowed around each slash.
    std::string_view* const parts[] = {&via.protocol_name, &via.protocol_version, &via.transport};
    for (std::size_t part = 0; part < 3; ++part) {
        if (part > 0) {
            i = skip_lws(text, i);
            if (i >= text.size() || text[i] != '/') return make_error("Bad Via sent-protocol");
            i = skip_lws(text, i + 1);
        }
        const std::size_t part_start = i;
        i = skip_token(text, i);
        if (i == part_start) return make_error("Bad Via sent-protocol");
        *parts[part] = text.substr(part_start, i - part_start);
    }
    const std::size_t host_start = skip_lws(text, i);
    if (host_start == i) return make_error("Bad Via sent-by");
    i = host_start;

    if (i < text.size() && text[i] == '[') {
        const std::size_t close = text.find(']', i);
        if (close == std::string_view::npos) return make_error("Bad Via sent-by");
        i = close + 1;
    } else {
        i = chars::skip(text, i, chars::kHostName);
    }
    via.host = text.substr(host_start, i - host_start);
    const auto kind = grammar::classify_host(via.host);
    if (!kind) return make_error("Bad Via sent-by");
    via.host_kind = *kind;

    i = skip_lws(text, i);
    if (i < text.size() && text[i] == ':') {
        i = skip_lws(text, i + 1);
        const std::size_t port_start = i;
        i = chars::skip(text, i, chars::kDigit);
        const auto port = parse_uint(text.substr(port_start, i - port_start), 65535);
        if (!port) return make_error("Bad Via port");
        via.port = static_cast<std::uint16_t>(*port);
    }

    // One strict pass both checks the parameters and picks out the known ones.
    const std::size_t params_start = skip_lws(text, i);
    Param param;
    while (true) {
        const grammar::ParamScan scan = grammar::next_header_param(text, i, param);
        if (scan == grammar::ParamScan::End) break;
        if (scan == grammar::ParamScan::Error) return make_error("Bad Via parameters");
        if (iequals(param.name, "branch")) {
            if (!param.has_value || param.quoted) return make_error("Bad Via branch");
            via.branch = param.value;
        } else if (iequals(param.name, "received")) {
            const std::string_view address = param.value;
            const bool bracketed = address.size() > 2 && address.front() == '[' &&
                                   address.back() == ']' &&
                                   grammar::valid_ipv6(address.substr(1, address.size() - 2));
            if (!grammar::valid_ipv4(address) && !grammar::valid_ipv6(address) && !bracketed) {
                return make_error("Bad Via received");
            }
            via.received = address;
        } else if (iequals(param.name, "rport")) {
            via.has_rport = true;
            if (param.has_value) {
                const auto port = parse_uint(param.value, 65535);
                if (!port) return make_error("Bad Via rport");
                via.rport = static_cast<std::uint16_t>(*port);
            }
        } else if (iequals(param.name, "maddr")) {
            if (!grammar::classify_host(param.value)) return make_error("Bad Via maddr");
            via.maddr = param.value;
        } else if (iequals(param.name, "ttl")) {
            const auto ttl = parse_uint(param.value, 255);
            if (!ttl) return make_error("Bad Via ttl");
            via.ttl = static_cast<std::uint8_t>(*ttl);
        }
    }
    via.params = Params(trim(text.substr(params_start, i - params_start)), ';');
    via.text = trim(text.substr(start, i - start));
    pos = i;
    return {};
}

Status parse_contact_at(std::string_view text, std::size_t& pos, Contact& contact) {
    const std::size_t start = skip_lws(text, pos);
    if (start < text.size() && text[start] == '*') {
        const std::size_t after = skip_lws(text, start + 1);
        if (after == text.size() || text[after] == ',') {
            contact.wildcard = true;
            contact.text = text.substr(start, 1);
            pos = after;
            return {};
        }
    }
    auto on_param = [&contact](const Param& param) -> Status {
        if (iequals(param.name, "expires")) {
            const auto seconds = parse_delta_capped(param.value);
            if (!seconds) return make_error("Bad Contact expires");
            if (!contact.expires) contact.expires = *seconds;
        } else if (iequals(param.name, "q")) {
            if (!valid_qvalue(param.value)) return make_error("Bad Contact q");
            if (contact.q.empty()) contact.q = param.value;
        }
        return {};
    };
    if (auto status = grammar::parse_name_addr_with(text, pos, contact, on_param); !status) {
        return status;
    }
    return {};
}

}  // namespace grammar

namespace {

// Runs an element parser over the whole of `text`: a ',' after the element
// means `text` held a list, not one element.
template <typename T, typename ParseAt>
Result<T> parse_single(std::string_view text, T& out, ParseAt parse_at) {
    std::size_t pos = 0;
    if (auto status = parse_at(text, pos, out); !status) return status.error();
    if (pos != text.size()) return make_error("Unexpected ','");
    return std::move(out);
}

}  // namespace

bool ContentType::is(std::string_view type_name, std::string_view subtype_name) const {
    return iequals(type, type_name) && iequals(subtype, subtype_name);
}

Result<Via> parse_via(std::string_view element) {
    Via via;
    return parse_single(element, via, grammar::parse_via_at);
}

Result<FromTo> parse_from_to(std::string_view value) {
    FromTo result;
    std::size_t pos = 0;
    bool has_tag = false;
    auto on_param = [&](const Param& param) -> Status {
        if (has_tag || !iequals(param.name, "tag")) return {};
        if (!param.has_value || param.quoted || !is_token(param.value))
            return make_error("Bad tag");
        has_tag = true;
        result.tag = param.value;
        return {};
    };
    if (auto status = grammar::parse_name_addr_with(value, pos, result, on_param); !status) {
        return status.error();
    }
    if (pos != value.size()) return make_error("Unexpected ','");
    return result;
}

Result<CSeq> parse_cseq(std::string_view value) {
    const std::string_view text = trim(value);
    std::size_t i = 0;
    while (i < text.size() && chars::is_digit(text[i]))
        ++i;
    const auto number = parse_uint(text.substr(0, i), UINT32_MAX);
    if (!number) return make_error("Bad CSeq number");
    const std::size_t method_start = skip_lws(text, i);
    if (method_start == i) return make_error("Bad CSeq");
    const std::string_view method = text.substr(method_start);
    if (!is_token(method)) return make_error("Bad CSeq method");
    CSeq cseq;
    cseq.number = static_cast<std::uint32_t>(*number);
    cseq.method_text = method;
    cseq.method = method_from_token(method);
    return cseq;
}

Result<Contact> parse_contact(std::string_view element) {
    Contact contact;
    return parse_single(element, contact, grammar::parse_contact_at);
}

Result<ContentType> parse_content_type(std::string_view value) {
    const std::string_view text = trim(value);
    ContentType result;
    std::size_t i = skip_token(text, 0);
    result.type = text.substr(0, i);
    i = skip_lws(text, i);
    if (result.type.empty() || i >= text.size() || text[i] != '/') {
        return make_error("Bad Content-Type");
    }
    i = skip_lws(text, i + 1);
    const std::size_t subtype_start = i;
    i = skip_token(text, i);
    result.subtype = text.substr(subtype_start, i - subtype_start);
    if (result.subtype.empty()) return make_error("Bad Content-Type");
    const std::string_view params = grammar::ltrim(text.substr(i));
    if (!grammar::valid_header_params(params)) return make_error("Bad Content-Type parameters");
    result.params = Params(params, ';');
    return result;
}

Result<Event> parse_event(std::string_view value) {
    const std::string_view text = trim(value);
    Event event;
    const std::size_t end = skip_token(text, 0);
    event.package = text.substr(0, end);
    if (event.package.empty()) return make_error("Bad Event");
    const std::string_view params = grammar::ltrim(text.substr(end));
    if (!grammar::valid_header_params(params)) return make_error("Bad Event parameters");
    event.params = Params(params, ';');
    if (auto id = event.params.find("id")) {
        if (!id->has_value || id->quoted) return make_error("Bad Event id");
        event.id = id->value;
    }
    return event;
}

Result<Replaces> parse_replaces(std::string_view value) {
    const std::string_view text = trim(value);
    Replaces replaces;
    std::size_t end = 0;
    while (end < text.size() && text[end] != ';' && !is_lws(text[end]))
        ++end;
    replaces.call_id = text.substr(0, end);
    if (!grammar::valid_call_id(replaces.call_id)) return make_error("Bad Replaces call-id");
    const std::string_view params = grammar::ltrim(text.substr(end));
    if (!grammar::valid_header_params(params)) return make_error("Bad Replaces parameters");
    replaces.params = Params(params, ';');
    bool has_to_tag = false;
    bool has_from_tag = false;
    for (const Param& param : replaces.params) {
        if (iequals(param.name, "to-tag")) {
            has_to_tag = param.has_value;
            replaces.to_tag = param.value;
        } else if (iequals(param.name, "from-tag")) {
            has_from_tag = param.has_value;
            replaces.from_tag = param.value;
        } else if (iequals(param.name, "early-only")) {
            replaces.early_only = true;
        }
    }
    if (!has_to_tag || !has_from_tag) return make_error("Replaces needs to-tag and from-tag");
    return replaces;
}

Result<SessionExpires> parse_session_expires(std::string_view value) {
    const auto [digits, params] = split_number(value);
    const auto delta = parse_delta_capped(digits);
    if (!delta) return make_error("Bad Session-Expires");
    if (!grammar::valid_header_params(params)) return make_error("Bad Session-Expires parameters");
    SessionExpires result;
    result.delta = *delta;
    result.params = Params(params, ';');
    if (auto refresher = result.params.find("refresher")) {
        if (iequals(refresher->value, "uac")) {
            result.refresher = SessionExpires::Refresher::Uac;
        } else if (iequals(refresher->value, "uas")) {
            result.refresher = SessionExpires::Refresher::Uas;
        } else {
            return make_error("Bad Session-Expires refresher");
        }
    }
    return result;
}

Result<MinSE> parse_min_se(std::string_view value) {
    const auto [digits, params] = split_number(value);
    const auto delta = parse_delta_capped(digits);
    if (!delta) return make_error("Bad Min-SE");
    if (!grammar::valid_header_params(params)) return make_error("Bad Min-SE parameters");
    MinSE result;
    result.delta = *delta;
    result.params = Params(params, ';');
    return result;
}

Result<std::uint32_t> parse_number(std::string_view value, std::uint32_t max) {
    const auto number = parse_uint(trim(value), max);
    if (!number) return make_error("Bad number");
    return static_cast<std::uint32_t>(*number);
}

Status parse_via_list(std::string_view value, std::vector<Via>& out) {
    return grammar::parse_elements(value, out, grammar::parse_via_at, "Empty Via");
}

Status parse_contact_list(std::string_view value, std::vector<Contact>& out) {
    return grammar::parse_elements(value, out, grammar::parse_contact_at, "Empty Contact");
}

Status parse_name_addr_list(std::string_view value, std::vector<NameAddr>& out) {
    return grammar::parse_elements(value, out, grammar::parse_name_addr_at, "Empty address list");
}

Status parse_token_list(std::string_view value, std::vector<std::string_view>& out) {
    ValueSplitter splitter(value);
    while (auto element = splitter.next()) {
        if (!is_token(*element)) return make_error("Bad token");
        out.push_back(*element);
    }
    if (splitter.error()) return make_error("Bad token");
    return {};
}

}  // namespace tandem::sip
