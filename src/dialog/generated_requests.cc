// Requests Tandem sends into a dialog in the name of one party (OpenSIPS's
// send_indialog_request / dlg_send_sequential), and the BYEs that end it.
#include <string>

#include "base/strings.h"
#include "dialog/dialog.h"
#include "sip/syntax.h"
#include "sip/writer.h"

namespace tandem::dialog {

namespace {

// The first route of a route set (comma-separated Route values) and the
// rest of it.
struct SplitRoutes {
    std::optional<sip::NameAddr> first;
    std::string_view rest;
};

Result<SplitRoutes> split_first_route(std::string_view route_set) {
    SplitRoutes split;
    sip::ValueSplitter splitter(route_set);
    const auto first = splitter.next();
    if (!first) return split;
    auto parsed = sip::parse_name_addr(*first);
    if (!parsed) return make_error("Bad route set", 500);
    split.first = *parsed;
    // The rest begins after the comma that ends the first element.
    std::size_t after = static_cast<std::size_t>(first->data() + first->size() - route_set.data());
    after = std::min(route_set.find(',', after), route_set.size());
    split.rest = trim(route_set.substr(std::min(after + 1, route_set.size())));
    return split;
}

// A route URI made fit for a Request-URI (RFC 3261 section 12.2.1.1): the
// method parameter and the URI headers are not allowed there (section
// 19.1.1, table 1).
std::string request_uri_from_route(const sip::Uri& uri) {
    std::string_view text = uri.text;
    text = text.substr(0, std::min(text.find('?'), text.size()));
    std::string result(text);
    for (const sip::Param& param : uri.params) {
        if (!iequals(param.name, "method")) continue;
        // The parameter runs from the ';' before its name to the end of its
        // value; params are views into uri.text.
        const auto begin = static_cast<std::size_t>(param.name.data() - uri.text.data()) - 1;
        const std::string_view last = param.has_value ? param.value : param.name;
        auto end = static_cast<std::size_t>(last.data() + last.size() - uri.text.data());
        if (param.quoted) ++end;
        if (end <= result.size()) result.erase(begin, end - begin);
        break;
    }
    return result;
}

std::string name_addr(std::string_view uri, std::string_view tag) {
    std::string value;
    value.reserve(uri.size() + tag.size() + 7);
    value.push_back('<');
    value.append(uri);
    value.push_back('>');
    if (!tag.empty()) {
        value.append(";tag=");
        value.append(tag);
    }
    return value;
}

// Adds "Name: value" lines separated by CRLF or LF.
Status add_extra_headers(sip::MessageBuilder& builder, std::string_view lines) {
    while (!lines.empty()) {
        const std::size_t end = std::min(lines.find('\n'), lines.size());
        const std::string_view line = trim(lines.substr(0, end));
        lines.remove_prefix(std::min(end + 1, lines.size()));
        if (line.empty()) continue;
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) return make_error("Bad extra header");
        const std::string_view name = trim(line.substr(0, colon));
        if (!sip::is_token(name)) return make_error("Bad extra header");
        builder.header(name, trim(line.substr(colon + 1)));
    }
    return {};
}

}  // namespace

Result<GeneratedRequest> Dialog::make_request(Side towards, std::string_view method,
                                              std::uint32_t cseq,
                                              const RequestOptions& options) const {
    const LegView target = leg(towards);
    const LegView impersonated = leg(other(towards));
    if (target.contact.empty()) return make_error("No target for leg", 500);
    if (!options.body.empty() && options.content_type.empty()) {
        return make_error("Body without Content-Type", 500);
    }

    GeneratedRequest request;
    request.towards = towards;
    request.method = std::string(method);
    request.cseq = cseq;
    request.destination = std::string(target.destination.address);
    request.connection_id = target.destination.connection_id;

    // RFC 3261 section 12.2.1.1: a loose first route keeps the remote
    // target as Request-URI; a strict one takes its place and the remote
    // target becomes the last route.
    auto routes = split_first_route(target.route_set);
    if (!routes) return routes.error();
    std::string route_header;
    if (!routes->first) {
        request.request_uri = std::string(target.contact);
        request.next_hop = request.request_uri;
    } else if (routes->first->uri.loose_route()) {
        request.request_uri = std::string(target.contact);
        request.next_hop = std::string(routes->first->uri.text);
        route_header = std::string(target.route_set);
    } else {
        request.request_uri = request_uri_from_route(routes->first->uri);
        request.next_hop = request.request_uri;
        route_header = std::string(routes->rest);
        if (!route_header.empty()) route_header.append(", ");
        route_header.append(name_addr(target.contact, {}));
    }

    auto builder = sip::MessageBuilder::request(method, request.request_uri);
    if (!options.via.empty()) builder.header(sip::HeaderId::Via, options.via);
    if (!route_header.empty()) builder.header(sip::HeaderId::Route, route_header);
    builder.header(sip::HeaderId::MaxForwards, std::to_string(options.max_forwards));
    builder.header(sip::HeaderId::From, name_addr(target.peer_uri, impersonated.tag));
    builder.header(sip::HeaderId::To, name_addr(target.uri, target.tag));
    builder.header(sip::HeaderId::CallId, call_id());
    builder.header(sip::HeaderId::CSeq, cseq_value(cseq, method));
    builder.header(sip::HeaderId::Contact, name_addr(impersonated.contact, {}));
    if (auto status = add_extra_headers(builder, options.extra_headers); !status) {
        return status.error();
    }
    if (!options.body.empty()) builder.body(options.content_type, options.body);
    request.text = builder.build();
    return request;
}

Result<GeneratedRequest> Dialog::build_request(Side towards, std::string_view method,
                                               const RequestOptions& options) {
    if (!sip::is_token(method)) return make_error("Bad method", 500);
    const sip::Method known = sip::method_from_token(method);
    if (known == sip::Method::Ack || known == sip::Method::Cancel || known == sip::Method::Bye) {
        return make_error("Method not sent by build_request", 500);
    }
    if (!is_confirmed()) return make_error("Dialog not confirmed", 481);
    const bool has_sdp = !options.body.empty() && [&] {
        auto content_type = sip::parse_content_type(options.content_type);
        return content_type && content_type->is("application", "sdp");
    }();
    const bool negotiating = negotiation_.phase != Negotiation::Phase::None;
    if (known == sip::Method::Invite && (has(kInvitePending) || negotiating)) {
        return make_error("Request Pending", 491);
    }
    if (known == sip::Method::Update && has_sdp && negotiating) {
        return make_error("Request Pending", 491);
    }

    // Built with a peeked number first so a bad request consumes none.
    CSeqSpace& space = leg_state(towards).towards;
    CSeqSpace trial = space;
    auto cseq = trial.generate();
    if (!cseq) return cseq.error();
    auto request = make_request(towards, method, *cseq, options);
    if (!request) return request.error();
    space = trial;

    if (known == sip::Method::Invite) set(kInvitePending, true);
    if (options.track_sdp && (known == sip::Method::Invite || known == sip::Method::Update)) {
        Negotiation negotiation;
        negotiation.generated = true;
        negotiation.target = towards;
        negotiation.method = known;
        negotiation.cseq = *cseq;
        if (has_sdp) {
            negotiation.phase = Negotiation::Phase::OfferInRequest;
            negotiation.offerer = other(towards);
            auto recorded = record_offer(negotiation, options.body, options.body);
            if (!recorded) return recorded.error();
        } else if (known == sip::Method::Invite) {
            negotiation.phase = Negotiation::Phase::OfferExpected;
            negotiation.offerer = towards;
            expect_offer(negotiation);
        }
    }
    return request;
}

Result<GeneratedRequest> Dialog::build_ack(Side towards, std::uint32_t cseq,
                                           const RequestOptions& options) {
    if (!is_confirmed()) return make_error("Dialog not confirmed", 481);
    auto request = make_request(towards, "ACK", cseq, options);
    if (!request) return request.error();
    const bool own_invite_exchange = negotiation_.generated && negotiation_.target == towards &&
                                     negotiation_.cseq == cseq &&
                                     negotiation_.method == sip::Method::Invite;
    const auto content_type = sip::parse_content_type(options.content_type);
    const bool has_sdp =
        !options.body.empty() && content_type && content_type->is("application", "sdp");
    if (own_invite_exchange && negotiation_.phase == Negotiation::Phase::OfferInReply && has_sdp &&
        options.track_sdp) {
        auto committed = commit(options.body, options.body);
        if (!committed) return committed.error();
    } else if (own_invite_exchange && (negotiation_.phase == Negotiation::Phase::OfferInReply ||
                                       negotiation_.phase == Negotiation::Phase::OfferExpected)) {
        // An ACK without the answer closes the exchange, whether or not the
        // 2xx has been through on_request_reply() yet: an offer nobody
        // answered must not stay pending (it would refuse every later
        // re-INVITE with 491).
        discard_negotiation();
    }
    return request;
}

Result<Termination> Dialog::end_with_byes(EndReason reason, TimePoint now,
                                          const RequestOptions& options) {
    if (!is_confirmed()) return make_error("Dialog not confirmed", 481);
    CSeqSpace caller_space = leg_state(Side::Caller).towards;
    CSeqSpace callee_space = leg_state(Side::Callee).towards;
    auto caller_cseq = caller_space.generate();
    if (!caller_cseq) return caller_cseq.error();
    auto callee_cseq = callee_space.generate();
    if (!callee_cseq) return callee_cseq.error();
    auto bye_to_caller = make_request(Side::Caller, "BYE", *caller_cseq, options);
    if (!bye_to_caller) return bye_to_caller.error();
    auto bye_to_callee = make_request(Side::Callee, "BYE", *callee_cseq, options);
    if (!bye_to_callee) return bye_to_callee.error();

    leg_state(Side::Caller).towards = caller_space;
    leg_state(Side::Callee).towards = callee_space;
    const State before = state_;
    end(reason, now);
    return Termination{StateChange{before, State::Deleted}, std::move(*bye_to_caller),
                       std::move(*bye_to_callee)};
}

}  // namespace tandem::dialog
