#include "proxy/proxy.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/strings.h"
#include "proxy/address_text.h"
#include "proxy/best_response.h"
#include "proxy/loop_detection.h"
#include "proxy/route_preprocessing.h"
#include "script/config.h"
#include "sip/syntax.h"
#include "sip/writer.h"
#include "txn/branch.h"

namespace tandem::proxy {
namespace {

using script::RouteKind;
using script::ScriptValue;

constexpr std::uint32_t kDefaultMaxForwards = 70;

std::string_view protocol_word(transport::Protocol protocol) {
    return protocol == transport::Protocol::tcp ? "tcp" : "udp";
}

transport::ConnectionId connection_from_value(std::uint64_t value) {
    constexpr int kSerialBits = 48;
    return transport::ConnectionId(static_cast<std::uint16_t>(value >> kSerialBits),
                                   value & ((std::uint64_t{1} << kSerialBits) - 1));
}

// "Name: value" as append_hf stores it, split for the EditList.
std::optional<std::pair<std::string_view, std::string_view>> split_header(std::string_view line) {
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const std::string_view name = trim(line.substr(0, colon));
    if (name.empty()) return std::nullopt;
    return std::pair{name, trim(line.substr(colon + 1))};
}

std::string join_routes(const std::vector<std::string>& routes) {
    std::string joined;
    for (const std::string& route : routes) {
        if (!joined.empty()) joined += ", ";
        joined += route;
    }
    return joined;
}

// The destination of a response relayed without a transaction: the Via
// below ours, at its received/rport address when it has one (RFC 3581).
Result<transport::Endpoint> via_destination(const sip::Via& via, const Resolver& resolver) {
    const std::string_view host = via.received ? *via.received : via.host;
    const std::uint16_t port = via.rport ? *via.rport : via.port.value_or(5060);
    return address_destination(via.transport, host, port, resolver);
}

// Matches `text` against one alternative of a status pattern: digits, '.'
// for any character and [...] classes of digits and ranges ("[0-9]").
Result<bool> matches_alternative(std::string_view text, std::string_view pattern) {
    std::size_t at = 0;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '[') {
            const std::size_t close = pattern.find(']', i + 1);
            if (close == std::string_view::npos || close == i + 1) {
                return make_error("unterminated [ in status pattern", 0);
            }
            const std::string_view set = pattern.substr(i + 1, close - i - 1);
            bool found = false;
            for (std::size_t j = 0; j < set.size(); ++j) {
                if (j + 2 < set.size() && set[j + 1] == '-') {
                    if (at < text.size() && text[at] >= set[j] && text[at] <= set[j + 2]) {
                        found = true;
                    }
                    j += 2;
                } else if (at < text.size() && text[at] == set[j]) {
                    found = true;
                }
            }
            if (!found) return false;
            ++at;
            i = close;
        } else if (c == '.') {
            if (at >= text.size()) return false;
            ++at;
        } else if (c >= '0' && c <= '9') {
            if (at >= text.size() || text[at] != c) return false;
            ++at;
        } else {
            return make_error(std::string("unsupported character '") + c + "' in status pattern",
                              0);
        }
    }
    return at == text.size();
}

}  // namespace

Result<bool> status_matches(int status, std::string_view pattern) {
    const std::string text = status > 0 ? std::to_string(status) : std::string{};
    bool any = false;
    while (true) {
        const std::size_t bar = pattern.find('|');
        auto matched = matches_alternative(text, pattern.substr(0, bar));
        if (!matched) return matched.error();
        any = any || (*matched && status > 0);
        if (bar == std::string_view::npos) break;
        pattern.remove_prefix(bar + 1);
    }
    return any;
}

Proxy::Proxy(transport::Transport& transport, txn::TimerWheel& timers, LocalAddresses local,
             Resolver resolver, ProxyOptions options, std::shared_ptr<spdlog::logger> logger)
    : transport_(transport),
      timers_(timers),
      local_(std::move(local)),
      resolver_(std::move(resolver)),
      options_(options),
      logger_(logger ? std::move(logger) : spdlog::default_logger()),
      transactions_(transport, timers, *this, options.transactions),
      dialogs_(options.shard, dialog::DialogOptions{.max_duration = options.max_duration}),
      tag_seed_(options.transactions.branch_seed != 0 ? options.transactions.branch_seed * 31 + 7
                                                      : txn::random_seed()) {}

Proxy::~Proxy() {
    // The wheel outlives the proxy; its callbacks point at this proxy.
    relays_.for_each([this](const std::unique_ptr<Relay>& relay) {
        for (const Branch& branch : relay->branches)
            timers_.cancel(branch.timer_c);
    });
    for (auto& [id, timers] : dialog_timers_) {
        timers_.cancel(timers.expiry);
        timers_.cancel(timers.linger);
    }
}

std::size_t Proxy::transactions_in_flight() const {
    const txn::TransactionStats& stats = transactions_.stats();
    return static_cast<std::size_t>(stats.server_transactions + stats.client_transactions);
}

std::size_t Proxy::unanswered_requests() const {
    std::size_t count = 0;
    relays_.for_each([&count](const std::unique_ptr<Relay>& relay) {
        if (relay->server_alive && !relay->final_sent && !relay->branches.empty()) ++count;
    });
    generated_.for_each([&count](const std::unique_ptr<Generated>& generated) {
        if (!generated->answered) ++count;
    });
    return count;
}

// ---------------------------------------------------------------------------
// Requests

void Proxy::on_request(txn::IncomingRequest request) {
    const sip::Method method = request.message.method();
    if (method == sip::Method::Cancel) {
        handle_cancel(request);
        return;
    }
    if (method == sip::Method::Ack) {
        if (const auto to = request.message.to(); to && to->tag.starts_with(kRefusalTagPrefix)) {
            ++stats_.refusal_acks_absorbed;
            return;
        }
    }
    if (draining_ && method != sip::Method::Ack) {
        const auto to = request.message.to();
        if (!to || to->tag.empty()) {
            ++stats_.rejected_while_draining;
            const std::string response =
                sip::response_to(request.message, 503, "Shutting Down", new_tag()).build();
            (void)transactions_.respond_stateless(request, response);
            return;
        }
    }
    if (refuse_if_overloaded(request)) return;
    route_request(request);
}

bool Proxy::refuse_if_overloaded(const txn::IncomingRequest& request) {
    const sip::Method method = request.message.method();
    if (method == sip::Method::Ack) return false;
    if (const auto to = request.message.to(); !to || !to->tag.empty()) return false;
    const Load load{transactions_in_flight(), dialogs_.size(), unreplied_invites_};
    const AdmissionLimits limits{options_.transactions.max_transactions, options_.max_dialogs,
                                 options_.max_unreplied_invites};
    if (admit_new_request(load, limits, method == sip::Method::Invite) == Admission::admitted) {
        return false;
    }
    ++stats_.overload_rejected;
    // Stateless and before the script: a refusal must cost far less than
    // the call it keeps out, or refusing would not relieve anything.
    const std::string response =
        sip::response_to(request.message, 503, {}, std::string(kRefusalTagPrefix) + new_tag())
            .header(sip::HeaderId::RetryAfter, std::to_string(options_.retry_after.count()))
            .build();
    (void)transactions_.respond_stateless(request, response);
    return true;
}

void Proxy::route_request(txn::IncomingRequest& request) {
    ++stats_.requests_routed;
    script::RequestActions actions;
    RouteFrame frame;
    frame.kind = RouteKind::Request;
    frame.message = &request.message;
    frame.actions = &actions;
    frame.request = &request;
    if (const auto to = request.message.to(); to && !to->tag.empty()) {
        frame.in_dialog = dialogs_.find(request.message);
    }
    if (hooks_ != nullptr && request.message.method() != sip::Method::Ack) {
        RequestVerdict verdict = hooks_->before_route(request.message, frame.in_dialog);
        if (verdict.reply_status != 0) {
            if (auto sent = reply(frame, verdict.reply_status, verdict.reply_reason); !sent) {
                logger_->debug("{} {}: call control's reply not sent: {}",
                               request.message.method_text(), request.message.call_id(),
                               sent.error().reason);
            }
            return;
        }
        if (verdict.request_uri) actions.request_uri = std::move(verdict.request_uri);
        frame.watch = verdict.watch;
    }
    // RFC 3261 16.4, before any script: a route that relays without
    // loose_route() must not send the request back to us.
    PreprocessedRoutes routes = preprocess_routes(request.message, local_, resolver_);
    frame.received_routes = routes.received;
    frame.plan.routes = std::move(routes.routes);
    if (routes.request_uri) {
        frame.plan.request_uri = routes.request_uri;
        // msg.ruri shows the Request-URI the request is really for.
        if (!actions.request_uri) actions.request_uri = std::move(routes.request_uri);
    }
    if (script_ == nullptr) {
        script::RouteOutcome outcome;
        outcome.status = script::RouteStatus::ScriptError;
        outcome.error = "no routing script";
        finish_request_route(frame, request, outcome);
        report_unrelayed_watch(frame, request);
        return;
    }
    const std::string source = address_text(request.source.address);
    const script::RoutedMessage routed{
        request.message,
        script::MessageOrigin{source, request.source.port, protocol_word(request.source.protocol)},
        actions};
    const script::RouteOutcome outcome = run_route(frame, RouteKind::Request, routed);
    finish_request_route(frame, request, outcome);
    report_unrelayed_watch(frame, request);
}

void Proxy::report_unrelayed_watch(const RouteFrame& frame, const txn::IncomingRequest& request) {
    // Relayed or answered in a transaction: the relay reports its final.
    // Dropped by the script (or answered without a transaction when the
    // table was full): the watcher must hear of it all the same, or it
    // would wait for ever.
    if (frame.watch == 0 || frame.relay != nullptr || hooks_ == nullptr) return;
    hooks_->on_watched_final(frame.watch, FinalReply{0, "not relayed", request.message.call_id()});
}

void Proxy::finish_request_route(RouteFrame& frame, txn::IncomingRequest& request,
                                 const script::RouteOutcome& outcome) {
    const bool ack = request.message.method() == sip::Method::Ack;
    if (outcome.status == script::RouteStatus::ScriptError) {
        ++stats_.script_errors;
        if (!ack && !frame.relayed && !frame.final_replied) {
            (void)reply(frame, 500, "Server Internal Error");
        }
    }
    if (ack) return;
    if (frame.relayed) {
        Relay& relay = *frame.relay;
        relay.failure_route = frame.failure_route;
        relay.reply_route = frame.reply_route;
        if (!relay.final_sent) relay.request.emplace(std::move(request));
        return;
    }
    if (frame.final_replied) return;
    if (frame.relay_error) {
        const Error error = *frame.relay_error;
        (void)reply(frame, error.status >= 300 && error.status <= 699 ? error.status : 500,
                    error.reason);
        return;
    }
    if (frame.server) {
        // The script sent a provisional reply and nothing final: the
        // transaction must still end.
        logger_->warn("{} {}: the route sent no final reply; answering 500",
                      request.message.method_text(), request.message.call_id());
        (void)reply(frame, 500, "Server Internal Error");
        return;
    }
    if (!frame.actions->drop) {
        logger_->debug("{} {} from {}: the route ended without relaying or replying; dropped",
                       request.message.method_text(), request.message.call_id(),
                       request.source.to_string());
    }
}

void Proxy::handle_cancel(txn::IncomingRequest& cancel) {
    const txn::ServerTransaction invite = transactions_.find_invite_for_cancel(cancel.message);
    if (!invite) {
        // Nothing to cancel here (RFC 3261 9.2: a UAS answers 481; a proxy
        // without a response context cannot do better).
        const std::string response = sip::response_to(cancel.message, 481, {}, new_tag()).build();
        (void)transactions_.respond_stateless(cancel, response);
        return;
    }
    ++stats_.cancels;
    if (auto own = transactions_.create_server(cancel)) {
        (void)transactions_.respond(*own, 200, {}, new_tag());
    } else {
        const std::string response = sip::response_to(cancel.message, 200, {}, new_tag()).build();
        (void)transactions_.respond_stateless(cancel, response);
    }
    Relay* relay = find_relay(invite);
    if (relay == nullptr) {
        // Answered by the script without a branch (a provisional only).
        (void)transactions_.respond(invite, 487, {}, new_tag());
        return;
    }
    if (relay->final_sent || relay->cancelled) return;
    relay->cancelled = true;
    const std::string_view reason = cancel.message.header(sip::HeaderId::Reason).value_or("");
    bool pending = false;
    for (const Branch& branch : relay->branches) {
        if (branch.final_status != 0) continue;
        pending = true;
        if (auto status = transactions_.cancel(branch.transaction, reason); !status) {
            logger_->debug("CANCEL of branch to {} not sent: {}", branch.destination.to_string(),
                           status.error().reason);
        }
    }
    if (relay->dialog_creator) {
        if (dialog::Dialog* dialog = dialog_of(*relay)) dialog->on_cancel();
    }
    if (!pending) answer_locally(*relay, 487);
}

Status Proxy::check_forwardable(const txn::IncomingRequest& request) const {
    const auto max_forwards = request.message.max_forwards();
    if (max_forwards && *max_forwards == 0) return make_error("Too Many Hops", 483);
    if (is_looping(request.message, local_)) return make_error("Loop Detected", 482);
    return {};
}

Result<Proxy::Target> Proxy::plan_target(const txn::IncomingRequest& request,
                                         const RelayPlan& plan) const {
    Target target;
    target.request_uri =
        plan.request_uri ? *plan.request_uri : std::string(request.message.request_uri_text());

    std::vector<std::string> routes;
    if (plan.routes) {
        routes = *plan.routes;
        target.routes = routes;
    } else {
        const auto received = request.message.routes();
        if (!received) return make_error("Bad Route", 400);
        for (const sip::NameAddr& route : *received)
            routes.emplace_back(route.text);
    }

    std::optional<transport::Endpoint> destination = plan.destination;
    if (!destination && !routes.empty()) {
        const auto first = sip::parse_name_addr(routes.front());
        if (!first) return make_error("Bad Route", 400);
        if (first->uri.loose_route()) {
            auto resolved = uri_destination(first->uri, resolver_);
            if (!resolved) return resolved.error();
            destination = *resolved;
        } else {
            // The next hop is a strict router (RFC 3261 16.6 item 7): it
            // gets its own URI as Request-URI, and the Request-URI goes to
            // the end of the route set.
            std::string next_uri(first->uri.text);
            auto resolved = uri_destination(first->uri, resolver_);
            if (!resolved) return resolved.error();
            destination = *resolved;
            routes.erase(routes.begin());
            routes.push_back("<" + target.request_uri + ">");
            target.request_uri = std::move(next_uri);
            target.routes = routes;
        }
    }
    if (!destination) {
        const auto uri = sip::parse_uri(target.request_uri);
        if (!uri) return make_error("Bad Request-URI", 400);
        auto resolved = uri_destination(*uri, resolver_);
        if (!resolved) return resolved.error();
        destination = *resolved;
    }
    target.destination = *destination;
    const auto listener = local_.listener_for(target.destination, request.local);
    if (!listener) return make_error("No Listener For Destination", 503);
    target.listener = *listener;
    return target;
}

std::uint8_t Proxy::own_record_routes(const txn::IncomingRequest& request, const Target& target,
                                      bool record_route) const {
    if (!record_route) return 0;
    // Double Record-Route when the request changes transport or interface,
    // so each side sees the address it can reach (RFC 3261 16.6 item 4).
    const bool same = target.listener.protocol == request.local.protocol &&
                      target.listener.address == request.local.address;
    return same ? 1 : 2;
}

std::string Proxy::build_relayed(const txn::IncomingRequest& request, const RelayPlan& plan,
                                 const Target& target, std::string_view branch,
                                 const std::optional<dialog::RequestOutcome>& in_dialog) const {
    const sip::Message& message = request.message;
    sip::EditList edits(message);
    if (target.request_uri != message.request_uri_text()) {
        edits.set_request_uri(target.request_uri);
    }
    const std::optional<transport::Endpoint> arrived_on = request.local;
    edits.prepend_via(
        via_value(target.listener, advertised_host(target.listener, arrived_on), branch));

    const auto max_forwards = message.max_forwards();
    if (max_forwards) {
        edits.replace(sip::HeaderId::MaxForwards, std::to_string(*max_forwards - 1));
    } else {
        edits.add(sip::HeaderId::MaxForwards, std::to_string(kDefaultMaxForwards));
    }

    const std::uint8_t record_routes = own_record_routes(request, target, plan.record_route);
    if (record_routes > 0) {
        // The entry the previous hop sees goes in first; the entry the next
        // hop sees ends up on top.
        const transport::Endpoint& incoming = request.local;
        if (record_routes == 2) {
            edits.add_before(sip::HeaderId::RecordRoute, sip::HeaderId::RecordRoute,
                             record_route_value(incoming, advertised_host(incoming, arrived_on)));
        }
        edits.add_before(
            sip::HeaderId::RecordRoute, sip::HeaderId::RecordRoute,
            record_route_value(target.listener, advertised_host(target.listener, arrived_on)));
    }

    if (target.routes) {
        if (target.routes->empty()) {
            edits.remove(sip::HeaderId::Route);
        } else {
            edits.replace(sip::HeaderId::Route, join_routes(*target.routes));
        }
    }
    for (const std::string& name : plan.headers_to_remove)
        edits.remove(name);
    for (const std::string& line : plan.headers_to_add) {
        if (const auto header = split_header(line)) edits.add(header->first, header->second);
    }
    if (in_dialog) {
        if (in_dialog->cseq.needed()) {
            const auto cseq = message.cseq();
            edits.replace(sip::HeaderId::CSeq,
                          dialog::cseq_value(in_dialog->cseq.relayed,
                                             cseq ? cseq->method_text : message.method_text()));
        }
        if (in_dialog->rack) edits.replace(sip::HeaderId::RAck, *in_dialog->rack);
    }
    return edits.serialize();
}

std::string Proxy::make_branch(const sip::Message& request) {
    return loop_branch(loop_hash(request), transactions_.new_branch());
}

Result<txn::ServerTransaction> Proxy::server_for(RouteFrame& frame) {
    if (frame.server) return frame.server;
    auto server = transactions_.create_server(*frame.request);
    if (!server) return server.error();
    frame.server = *server;
    return *server;
}

Proxy::Relay& Proxy::relay_for(RouteFrame& frame) {
    if (frame.relay != nullptr) return *frame.relay;
    Relay& relay = *relays_.assign(frame.server.id(), std::make_unique<Relay>());
    relay.server = frame.server;
    relay.watch = frame.watch;
    frame.relay = &relay;
    return relay;
}

Status Proxy::reply(RouteFrame& frame, int status, std::string_view reason) {
    if (frame.kind == RouteKind::Failure) {
        if (frame.relay == nullptr || frame.relay->final_sent) {
            return make_error("the transaction has its final reply", 0);
        }
        answer_locally(*frame.relay, status, reason);
        frame.final_replied = true;
        return {};
    }
    if (frame.request == nullptr) return make_error("no request to answer", 0);
    if (frame.request->message.method() == sip::Method::Ack) {
        return make_error("an ACK has no reply", 0);
    }
    if (frame.final_replied || frame.relayed) {
        return make_error("the request was already answered or relayed", 0);
    }
    auto server = server_for(frame);
    if (!server) {
        // No transaction (the table is full): answer without one.
        const std::string response =
            sip::response_to(frame.request->message, status, reason, new_tag()).build();
        if (status >= 200) frame.final_replied = true;
        return transactions_.respond_stateless(*frame.request, response);
    }
    if (frame.relay == nullptr && status > 100) {
        // The replies of one transaction share a To tag.
        Relay& relay = relay_for(frame);
        if (relay.to_tag.empty()) relay.to_tag = new_tag();
    }
    const std::string_view to_tag =
        frame.relay != nullptr ? std::string_view(frame.relay->to_tag) : std::string_view{};
    auto sent = transactions_.respond(*server, status, reason, to_tag);
    if (status >= 200) {
        frame.final_replied = true;
        ++stats_.local_replies;
        if (frame.relay != nullptr) {
            mark_answered(*frame.relay);
            report_final(*frame.relay, status,
                         reason.empty() ? sip::default_reason_phrase(status) : reason);
        }
    }
    return sent;
}

Status Proxy::relay_from_frame(RouteFrame& frame, std::optional<std::string_view> destination) {
    const script::RequestActions& actions = *frame.actions;
    std::optional<transport::Endpoint> resolved;
    if (destination || actions.destination) {
        script::SocketAddress address;
        if (destination) {
            auto parsed = script::parse_destination(*destination);
            if (!parsed) return make_error("bad destination: " + parsed.error().reason, 0);
            address = *parsed;
        } else {
            address = *actions.destination;
        }
        auto endpoint =
            address_destination(address.transport, address.host, address.port, resolver_);
        if (!endpoint) return endpoint.error();
        resolved = *endpoint;
    }

    if (frame.kind == RouteKind::Failure) {
        Relay& relay = *frame.relay;
        if (relay.final_sent || !relay.request) {
            return make_error("the transaction has its final reply", 0);
        }
        RelayPlan plan = relay.plan;
        if (actions.request_uri) plan.request_uri = actions.request_uri;
        if (resolved) plan.destination = resolved;
        plan.headers_to_add.insert(plan.headers_to_add.end(), actions.headers_to_add.begin(),
                                   actions.headers_to_add.end());
        plan.headers_to_remove.insert(plan.headers_to_remove.end(),
                                      actions.headers_to_remove.begin(),
                                      actions.headers_to_remove.end());
        auto status = start_branch(relay, *relay.request, plan, std::nullopt, false, std::nullopt);
        if (status) frame.relayed = true;
        return status;
    }

    RelayPlan plan = frame.plan;
    if (actions.request_uri) plan.request_uri = actions.request_uri;
    if (resolved) plan.destination = resolved;
    plan.headers_to_add = actions.headers_to_add;
    plan.headers_to_remove = actions.headers_to_remove;

    txn::IncomingRequest& request = *frame.request;
    if (request.message.method() == sip::Method::Ack) return relay_ack(frame, plan);
    if (frame.relayed) return make_error("the request was already relayed", 0);
    if (frame.final_replied) return make_error("the request was already answered", 0);

    if (auto forwardable = check_forwardable(request); !forwardable) {
        if (forwardable.error().status == 483) ++stats_.too_many_hops;
        if (forwardable.error().status == 482) ++stats_.loops_detected;
        frame.relay_error = forwardable.error();
        return forwardable;
    }
    auto server = server_for(frame);
    if (!server) {
        frame.relay_error = server.error();
        return server.error();
    }
    Relay& relay = relay_for(frame);
    relay.plan = plan;
    auto status = start_branch(relay, request, plan, frame.in_dialog, frame.create_dialog,
                               frame.dialog_max_duration);
    if (status) {
        frame.relayed = true;
    } else {
        frame.relay_error = status.error();
    }
    return status;
}

Status Proxy::start_branch(Relay& relay, const txn::IncomingRequest& request, const RelayPlan& plan,
                           std::optional<dialog::DialogMatch> in_dialog, bool create_dialog,
                           std::optional<std::chrono::seconds> max_duration) {
    auto target = plan_target(request, plan);
    if (!target) return target.error();

    std::optional<dialog::RequestOutcome> outcome;
    if (in_dialog) {
        auto result = in_dialog->dialog->on_request(request.message, in_dialog->sender, now());
        if (!result) return result.error();
        outcome = *result;
        relay.dialog = in_dialog->dialog->id();
        relay.towards = outcome->towards;
        relay.cseq = outcome->cseq;
        emit(*in_dialog->dialog, outcome->state_change);
        refresh_dialog_timers(*in_dialog->dialog);
    } else if (relay.dialog != 0 && !relay.dialog_creator) {
        // A further branch of an in-dialog request: same numbering.
        outcome.emplace();
        outcome->towards = relay.towards;
        outcome->cseq = relay.cseq;
    }

    const std::string branch = make_branch(request.message);
    std::string text = build_relayed(request, plan, *target, branch, outcome);
    auto client = transactions_.create_client(std::move(text), target->destination);
    if (!client) {
        if (outcome) {
            if (dialog::Dialog* dialog = dialog_of(relay)) {
                (void)dialog->request_failed(relay.towards, relay.cseq.relayed,
                                             request.message.method());
            }
        }
        return make_error(client.error().reason, 503);
    }

    if (create_dialog && relay.dialog == 0) {
        dialog::DialogOptions dialog_options = dialogs_.defaults();
        dialog_options.own_record_routes = own_record_routes(request, *target, plan.record_route);
        dialog_options.max_duration = max_duration.value_or(options_.max_duration);
        const std::string caller = endpoint_text(request.source);
        auto created = dialogs_.create(request.message,
                                       dialog::Destination{caller, request.connection.value()},
                                       now(), dialog_options);
        if (!created) {
            logger_->warn("INVITE {}: no dialog tracked: {}", request.message.call_id(),
                          created.error().reason);
        } else if (!created->spiral) {
            relay.dialog = created->dialog->id();
            relay.dialog_creator = true;
        }
    }

    Branch& branch_state = relay.branches.emplace_back();
    branch_state.transaction = *client;
    branch_state.destination = target->destination;
    if (request.message.method() == sip::Method::Invite) {
        start_timer_c(relay, branch_state);
        branch_state.awaiting_reply = true;
        ++unreplied_invites_;
    }
    ++relay.live_branches;
    relay_of_branch_.assign(client->id(), relay.server);
    ++stats_.requests_relayed;
    return {};
}

Status Proxy::relay_ack(RouteFrame& frame, const RelayPlan& plan) {
    const txn::IncomingRequest& request = *frame.request;
    if (frame.relayed) return make_error("the ACK was already relayed", 0);
    if (auto forwardable = check_forwardable(request); !forwardable) {
        logger_->debug("ACK {} not relayed: {}", request.message.call_id(),
                       forwardable.error().reason);
        return forwardable;
    }
    auto target = plan_target(request, plan);
    if (!target) return target.error();
    std::optional<dialog::RequestOutcome> outcome;
    if (frame.in_dialog) {
        auto result =
            frame.in_dialog->dialog->on_request(request.message, frame.in_dialog->sender, now());
        if (result) {
            outcome = *result;
            emit(*frame.in_dialog->dialog, outcome->state_change);
            refresh_dialog_timers(*frame.in_dialog->dialog);
        } else {
            logger_->debug("ACK {}: {}", request.message.call_id(), result.error().reason);
        }
    }
    const std::string branch = make_branch(request.message);
    const std::string text = build_relayed(request, plan, *target, branch, outcome);
    auto sent = transport_.send(target->destination, text, transport::SendOptions{});
    if (!sent) return sent;
    frame.relayed = true;
    ++stats_.acks_relayed;
    return {};
}

// ---------------------------------------------------------------------------
// Responses

void Proxy::on_response(txn::ClientTransaction transaction, txn::IncomingResponse response) {
    if (auto* generated = generated_.find(transaction.id())) {
        on_generated_response(transaction, **generated, response);
        return;
    }
    const txn::ServerTransaction* owner = relay_of_branch_.find(transaction.id());
    if (owner == nullptr) {
        on_stray_response(std::move(response));
        return;
    }
    Relay* relay = find_relay(*owner);
    if (relay == nullptr) return;
    for (Branch& branch : relay->branches) {
        if (branch.transaction == transaction) {
            relay_response(*relay, branch, response);
            return;
        }
    }
}

bool Proxy::run_reply_route(txn::IncomingResponse& response, Relay* relay) {
    if (script_ == nullptr) return false;
    script::ScriptEngine& engine = script_->engine();
    const std::string armed = relay != nullptr ? relay->reply_route : std::string{};
    if (!engine.has_reply_route() && armed.empty()) return false;
    script::RequestActions actions;
    RouteFrame frame;
    frame.kind = RouteKind::Reply;
    frame.message = &response.message;
    frame.actions = &actions;
    frame.relay = relay;
    frame.reply_status = response.message.status_code();
    const std::string source = address_text(response.source.address);
    const script::RoutedMessage routed{
        response.message,
        script::MessageOrigin{source, response.source.port,
                              protocol_word(response.source.protocol)},
        actions};
    // The script-wide reply_route first, then the one t_on_reply armed, as
    // OpenSIPS runs onreply_route and onreply_route[name].
    if (engine.has_reply_route()) {
        const script::RouteOutcome outcome = run_route(frame, RouteKind::Reply, routed);
        if (outcome.status == script::RouteStatus::ScriptError) ++stats_.script_errors;
    }
    if (!armed.empty() && !actions.drop) {
        const script::RouteOutcome outcome = run_route(frame, RouteKind::Reply, routed, armed);
        if (outcome.status == script::RouteStatus::ScriptError) ++stats_.script_errors;
    }
    return actions.drop;
}

void Proxy::relay_response(Relay& relay, Branch& branch, txn::IncomingResponse& response) {
    note_replied(branch);
    const int status = response.message.status_code();
    if (response.origin == txn::ResponseOrigin::network && run_reply_route(response, &relay)) {
        if (status < 200) return;
        logger_->warn("reply_route: drop() of a final reply ({}) ignored", status);
    }
    if (status < 200) {
        if (status == 100) return;  // hop by hop (RFC 3261 16.7 item 4)
        branch.provisional = true;
        if (timers_.is_pending(branch.timer_c)) start_timer_c(relay, branch);
        // The caller has cancelled: it waits for the 487, not for progress.
        if (relay.final_sent || relay.cancelled) return;
        update_dialog_on_reply(relay, response.message, response.source, response.connection);
        forward_upstream(relay, response.message);
        return;
    }
    timers_.cancel(branch.timer_c);
    if (status < 300) {
        const bool first = branch.final_status == 0;
        branch.final_status = status;
        if (first) {
            update_dialog_on_reply(relay, response.message, response.source, response.connection);
        }
        // Every 2xx goes upstream, retransmissions and other forks' too
        // (RFC 3261 16.7 item 5).
        forward_upstream(relay, response.message);
        mark_answered(relay);
        for (const Branch& other : relay.branches) {
            if (other.final_status == 0) (void)transactions_.cancel(other.transaction);
        }
        return;
    }
    if (branch.final_status != 0) return;
    branch.final_status = status;
    branch.synthetic = response.origin != txn::ResponseOrigin::network;
    branch.final_reply.emplace(std::move(response.message));
    if (relay.final_sent) return;
    for (const Branch& other : relay.branches) {
        if (other.final_status == 0) return;  // wait for the others
    }
    complete(relay);
}

void Proxy::complete(Relay& relay) {
    std::vector<int> statuses;
    std::vector<std::size_t> indexes;
    for (std::size_t i = 0; i < relay.branches.size(); ++i) {
        const Branch& branch = relay.branches[i];
        if (branch.final_status >= 300 && branch.final_reply) {
            statuses.push_back(branch.final_status);
            indexes.push_back(i);
        }
    }
    const auto chosen = best_response(statuses);
    if (!chosen) {
        answer_locally(relay, 408);
        return;
    }
    const std::size_t index = indexes[*chosen];
    // Taken out of the branch: a failure route may add branches, and the
    // vector may move.
    sip::Message best = std::move(*relay.branches[index].final_reply);
    relay.branches[index].final_reply.reset();
    const bool synthetic = relay.branches[index].synthetic;
    const int status = relay.branches[index].final_status;

    if (!relay.cancelled && run_failure_route(relay, best)) {
        // Still one of the replies to choose from when the new branch fails.
        if (!relay.final_sent) relay.branches[index].final_reply.emplace(std::move(best));
        return;
    }

    update_dialog_on_reply(relay, best, relay.branches[index].destination, {});
    if (relay.cancelled && synthetic) {
        answer_locally(relay, 487);
    } else if (synthetic) {
        answer_locally(relay, status, best.reason_phrase());
    } else {
        const int forwarded = forwarded_status(status);
        forward_upstream(relay, best, forwarded != status ? forwarded : 0);
        mark_answered(relay);
    }
}

bool Proxy::run_failure_route(Relay& relay, const sip::Message& best) {
    if (script_ == nullptr || !relay.request || !relay.server_alive) return false;
    script::ScriptEngine& engine = script_->engine();
    const std::string name = std::move(relay.failure_route);
    relay.failure_route.clear();  // armed for one failure; the route may arm it again
    if (name.empty() && !engine.has_failure_route()) return false;

    // As in OpenSIPS, the failure route works on the request (so it can set
    // msg.ruri and relay again); the failed reply's status is what
    // t_check_status() and t_reply_code() look at.
    const txn::IncomingRequest& request = *relay.request;
    script::RequestActions actions;
    RouteFrame frame;
    frame.kind = RouteKind::Failure;
    frame.message = &request.message;
    frame.actions = &actions;
    frame.relay = &relay;
    frame.reply_status = best.status_code();
    const std::string source = address_text(request.source.address);
    const script::RoutedMessage routed{
        request.message,
        script::MessageOrigin{source, request.source.port, protocol_word(request.source.protocol)},
        actions};
    const script::RouteOutcome outcome = run_route(frame, RouteKind::Failure, routed, name);
    if (outcome.status == script::RouteStatus::ScriptError) ++stats_.script_errors;
    if (relay.final_sent) mark_answered(relay);
    relay.failure_route = frame.failure_route;
    if (!frame.reply_route.empty()) relay.reply_route = frame.reply_route;
    if (frame.relayed) {
        if (relay.dialog_creator) {
            if (dialog::Dialog* dialog = dialog_of(relay)) dialog->branch_failed(best);
        }
        return true;
    }
    if (frame.final_replied) {
        // The route answered instead: the dialog ends with this failure.
        update_dialog_on_reply(relay, best, relay.branches.back().destination, {});
        return true;
    }
    return false;
}

void Proxy::forward_upstream(Relay& relay, const sip::Message& response, int status_override) {
    sip::EditList edits(response);
    edits.remove_first_value(sip::HeaderId::Via);
    if (status_override != 0) {
        edits.set_status(status_override, sip::default_reason_phrase(status_override));
    }
    if (relay.dialog != 0 && !relay.dialog_creator && relay.cseq.needed()) {
        const auto cseq = response.cseq();
        if (cseq) {
            edits.replace(sip::HeaderId::CSeq,
                          dialog::cseq_value(relay.cseq.original, cseq->method_text));
        }
    }
    std::string text = edits.serialize();
    if (const int final_status = status_override != 0 ? status_override : response.status_code();
        final_status >= 200) {
        report_final(relay, final_status,
                     status_override != 0 ? sip::default_reason_phrase(status_override)
                                          : response.reason_phrase());
    }
    if (relay.server_alive) {
        if (auto sent = transactions_.respond(relay.server, std::move(text)); sent) {
            ++stats_.responses_relayed;
            return;
        }
    }
    // The server transaction has ended (a late 2xx retransmission): relay
    // it on the Via path without one.
    if (response.status_code() >= 200 && response.status_code() < 300) {
        forward_stateless(response);
    }
}

void Proxy::answer_locally(Relay& relay, int status, std::string_view reason) {
    if (relay.final_sent) return;
    if (relay.to_tag.empty()) relay.to_tag = new_tag();
    if (auto sent = transactions_.respond(relay.server, status, reason, relay.to_tag); !sent) {
        logger_->debug("reply {} not sent: {}", status, sent.error().reason);
    }
    mark_answered(relay);
    ++stats_.local_replies;
    report_final(relay, status, reason.empty() ? sip::default_reason_phrase(status) : reason);
}

void Proxy::report_final(Relay& relay, int status, std::string_view reason) {
    if (relay.watch == 0 || hooks_ == nullptr) return;
    const std::uint64_t watch = relay.watch;
    relay.watch = 0;
    std::string_view call_id;
    if (relay.request) {
        call_id = relay.request->message.call_id();
    } else if (frame_ != nullptr && frame_->message != nullptr) {
        call_id = frame_->message->call_id();
    }
    hooks_->on_watched_final(watch, FinalReply{status, reason, call_id});
}

void Proxy::start_timer_c(Relay& relay, Branch& branch) {
    timers_.cancel(branch.timer_c);
    const txn::ServerTransaction server = relay.server;
    const txn::ClientTransaction client = branch.transaction;
    branch.timer_c = timers_.schedule(std::chrono::duration_cast<txn::Duration>(options_.timer_c),
                                      [this, server, client] { on_timer_c(server, client); });
}

void Proxy::on_timer_c(txn::ServerTransaction server, txn::ClientTransaction client) {
    Relay* relay = find_relay(server);
    if (relay == nullptr) return;
    for (const Branch& branch : relay->branches) {
        if (branch.transaction != client || branch.final_status != 0) continue;
        ++stats_.timer_c_expired;
        logger_->info("INVITE {} to {}: no final reply within {} s (timer C), cancelling",
                      relay->request ? relay->request->message.call_id() : std::string_view{},
                      endpoint_text(branch.destination), options_.timer_c.count());
        // The branch answers 487, or the transaction layer gives up with a
        // 408 after 64*T1: either way a final reply comes for it.
        if (auto cancelled = transactions_.cancel(client, "SIP;cause=408;text=\"Timer C\"");
            !cancelled) {
            logger_->debug("timer C: {}", cancelled.error().reason);
        }
        return;
    }
}

void Proxy::note_replied(Branch& branch) {
    if (!branch.awaiting_reply) return;
    branch.awaiting_reply = false;
    --unreplied_invites_;
}

void Proxy::mark_answered(Relay& relay) {
    relay.final_sent = true;
    // Nothing can fork any more: drop what only a failure route would use.
    // A route running on this relay still reads the request; it is dropped
    // when that route returns.
    if (frame_ != nullptr && frame_->relay == &relay) return;
    relay.request.reset();
    for (Branch& branch : relay.branches)
        branch.final_reply.reset();
}

void Proxy::on_stray_response(txn::IncomingResponse response) {
    const auto cseq = response.message.cseq();
    const int status = response.message.status_code();
    // Only 2xx to INVITE travel without a transaction (their retransmissions
    // outlive it); anything else stray is dropped (RFC 3261 16.7 item 3...).
    if (status >= 200 && status < 300 && cseq && cseq->method == sip::Method::Invite) {
        forward_stateless(response.message);
    }
}

void Proxy::forward_stateless(const sip::Message& response) {
    const auto vias = response.vias();
    if (!vias || vias->size() < 2 || !local_.is_local_sent_by((*vias)[0])) return;
    auto destination = via_destination((*vias)[1], resolver_);
    if (!destination) return;
    sip::EditList edits(response);
    edits.remove_first_value(sip::HeaderId::Via);
    if (auto sent = transport_.send(*destination, edits.serialize(), transport::SendOptions{});
        sent) {
        ++stats_.responses_relayed;
    }
}

void Proxy::update_dialog_on_reply(Relay& relay, const sip::Message& response,
                                   const transport::Endpoint& source,
                                   transport::ConnectionId connection) {
    dialog::Dialog* dialog = dialog_of(relay);
    if (dialog == nullptr) return;
    if (relay.dialog_creator) {
        const std::string address = endpoint_text(source);
        auto outcome =
            dialog->on_reply(response, dialog::Destination{address, connection.value()}, now());
        if (outcome) {
            emit(*dialog, outcome->state_change);
        } else {
            logger_->debug("dialog {}: reply not tracked: {}", dialog::dialog_id_text(relay.dialog),
                           outcome.error().reason);
        }
    } else {
        auto outcome = dialog->on_request_reply(response, relay.towards);
        if (outcome) {
            emit(*dialog, outcome->state_change);
        } else {
            logger_->debug("dialog {}: reply not tracked: {}", dialog::dialog_id_text(relay.dialog),
                           outcome.error().reason);
        }
    }
    refresh_dialog_timers(*dialog);
}

// ---------------------------------------------------------------------------
// Tandem's own requests in dialogs

Result<transport::Endpoint> Proxy::generated_destination(
    const dialog::GeneratedRequest& request) const {
    auto uri = sip::parse_uri(request.next_hop);
    if (!uri) {
        // A name-addr ("<sip:...;lr>") from a route set.
        auto name_addr = sip::parse_name_addr(request.next_hop);
        if (!name_addr) return make_error("Bad next hop", 500);
        return uri_destination(name_addr->uri, resolver_);
    }
    return uri_destination(*uri, resolver_);
}

std::string Proxy::with_via(std::string_view text, const transport::Endpoint& destination,
                            std::string_view branch) const {
    const transport::Endpoint listener = local_.listener_for(destination).value_or(destination);
    const std::size_t line_end = text.find("\r\n");
    const std::size_t split = line_end == std::string_view::npos ? text.size() : line_end + 2;
    std::string out;
    out.reserve(text.size() + 80);
    out.append(text.substr(0, split));
    out += "Via: ";
    out += via_value(listener, advertised_host(listener), branch);
    out += "\r\n";
    out.append(text.substr(split));
    return out;
}

Status Proxy::send_generated(dialog::Dialog& dialog, dialog::GeneratedRequest request,
                             GeneratedReplyHandler on_reply) {
    auto destination = generated_destination(request);
    if (!destination) {
        (void)dialog.request_failed(request.towards, request.cseq,
                                    sip::method_from_token(request.method));
        return destination.error();
    }
    transport::SendOptions send_options;
    if (destination->protocol == transport::Protocol::tcp && request.connection_id != 0) {
        send_options.connection = connection_from_value(request.connection_id);
    }
    std::string text = with_via(request.text, *destination, transactions_.new_branch());
    auto client = transactions_.create_client(std::move(text), *destination, send_options);
    if (!client) {
        (void)dialog.request_failed(request.towards, request.cseq,
                                    sip::method_from_token(request.method));
        return client.error();
    }
    ++stats_.generated_requests;
    Generated& generated = *generated_.assign(client->id(), std::make_unique<Generated>());
    generated.dialog = dialog.id();
    generated.towards = request.towards;
    generated.cseq = request.cseq;
    generated.method = sip::method_from_token(request.method);
    generated.destination = *destination;
    generated.send_options = send_options;
    generated.on_reply = std::move(on_reply);
    generated.transaction = *client;
    return {};
}

Status Proxy::send_in_dialog(dialog::DialogId id, dialog::Side towards, std::string_view method,
                             const dialog::RequestOptions& options,
                             GeneratedReplyHandler on_reply) {
    dialog::Dialog* dialog = dialogs_.find(id);
    if (dialog == nullptr) return make_error("No such dialog", 404);
    auto request = dialog->build_request(towards, method, options);
    if (!request) return request.error();
    auto sent = send_generated(*dialog, std::move(*request), std::move(on_reply));
    refresh_dialog_timers(*dialog);
    return sent;
}

Status Proxy::cancel_in_dialog(dialog::DialogId id, dialog::Side towards) {
    std::optional<txn::ClientTransaction> pending;
    generated_.for_each([&](const std::unique_ptr<Generated>& generated) {
        if (generated->dialog == id && generated->towards == towards && !generated->answered &&
            generated->method == sip::Method::Invite) {
            pending = generated->transaction;
        }
    });
    if (!pending) return make_error("No INVITE of Tandem's pending", 481);
    return transactions_.cancel(*pending);
}

Status Proxy::end_dialog(dialog::DialogId id, std::string_view extra_headers,
                         dialog::EndReason reason) {
    dialog::Dialog* dialog = dialogs_.find(id);
    if (dialog == nullptr) return make_error("No such dialog", 404);
    dialog::RequestOptions request_options;
    request_options.extra_headers = extra_headers;
    auto termination = dialog->terminate(now(), request_options, reason);
    if (!termination) return termination.error();
    emit(*dialog, termination->state_change);
    auto to_caller = send_generated(*dialog, std::move(termination->bye_to_caller));
    auto to_callee = send_generated(*dialog, std::move(termination->bye_to_callee));
    refresh_dialog_timers(*dialog);
    if (!to_caller) return to_caller;
    return to_callee;
}

void Proxy::on_generated_response(txn::ClientTransaction transaction, Generated& generated,
                                  txn::IncomingResponse& response) {
    (void)transaction;
    const int status = response.message.status_code();
    if (status < 200) return;
    dialog::Dialog* dialog = dialogs_.find(generated.dialog);
    const bool first_final = !generated.answered;
    generated.answered = true;
    if (status < 300 && generated.method == sip::Method::Invite &&
        response.origin == txn::ResponseOrigin::network) {
        if (generated.ack.empty() && dialog != nullptr) {
            // Tandem's own re-INVITE: the ACK of its 2xx is Tandem's too.
            auto ack = dialog->build_ack(generated.towards, generated.cseq);
            if (ack) {
                generated.ack =
                    with_via(ack->text, generated.destination, transactions_.new_branch());
            } else {
                logger_->warn("dialog {}: no ACK for the 2xx of its re-INVITE: {}",
                              dialog::dialog_id_text(generated.dialog), ack.error().reason);
            }
        }
        if (!generated.ack.empty()) {
            (void)transport_.send(generated.destination, generated.ack, generated.send_options);
        }
    }
    // A retransmitted final (a 2xx; other finals are absorbed below us) was
    // accounted for the first time.
    if (!first_final) return;
    if (dialog != nullptr) {
        if (response.origin == txn::ResponseOrigin::network) {
            auto outcome = dialog->on_request_reply(response.message, generated.towards);
            if (outcome) emit(*dialog, outcome->state_change);
        } else {
            (void)dialog->request_failed(generated.towards, generated.cseq, generated.method);
        }
        refresh_dialog_timers(*dialog);
    }
    // Taken out first: the handler may send further requests.
    GeneratedReplyHandler on_reply = std::move(generated.on_reply);
    if (on_reply) {
        const bool network = response.origin == txn::ResponseOrigin::network;
        on_reply(GeneratedReply{status, response.message.reason_phrase(),
                                network ? &response.message : nullptr});
    }
}

void Proxy::refresh_dialog_timers(dialog::Dialog& dialog) {
    const dialog::DialogId id = dialog.id();
    const auto expiry = dialog.expiry_deadline();
    const auto linger = dialog.linger_deadline();
    auto existing = dialog_timers_.find(id);
    if (existing == dialog_timers_.end()) {
        // Most dialogs need no timer until they end: no entry for them.
        if (!expiry && !linger) return;
        existing = dialog_timers_.emplace(id, DialogTimers{}).first;
    }
    DialogTimers& timers = existing->second;
    const auto delay_until = [this](dialog::TimePoint at) {
        const auto delay = at - now();
        return std::chrono::ceil<txn::Duration>(std::max(delay, delay.zero()));
    };
    if (expiry) {
        if (!timers_.is_pending(timers.expiry) || timers.expiry_at != *expiry) {
            timers_.cancel(timers.expiry);
            timers.expiry =
                timers_.schedule(delay_until(*expiry), [this, id] { on_dialog_expiry(id); });
            timers.expiry_at = *expiry;
        }
    } else if (timers_.is_pending(timers.expiry)) {
        timers_.cancel(timers.expiry);
    }
    if (linger && !timers_.is_pending(timers.linger)) {
        timers.linger =
            timers_.schedule(delay_until(*linger), [this, id] { on_dialog_linger(id); });
    }
}

void Proxy::on_dialog_expiry(dialog::DialogId id) {
    dialog::Dialog* dialog = dialogs_.find(id);
    if (dialog == nullptr) return;
    auto termination = dialog->expire(now());
    if (!termination) {
        refresh_dialog_timers(*dialog);
        return;
    }
    logger_->info("dialog {} ({}): max_duration reached, BYE sent to both legs",
                  dialog::dialog_id_text(id), dialog->call_id());
    emit(*dialog, termination->state_change);
    (void)send_generated(*dialog, std::move(termination->bye_to_caller));
    (void)send_generated(*dialog, std::move(termination->bye_to_callee));
    refresh_dialog_timers(*dialog);
}

void Proxy::on_dialog_linger(dialog::DialogId id) {
    if (auto timers = dialog_timers_.find(id); timers != dialog_timers_.end()) {
        timers_.cancel(timers->second.expiry);
        dialog_timers_.erase(timers);
    }
    dialogs_.erase(id);
}

void Proxy::emit(const dialog::Dialog& dialog, const std::optional<dialog::StateChange>& change) {
    if (!change) return;
    if (dialog_events_) dialog_events_(dialog, *change);
    if (hooks_ != nullptr) hooks_->on_dialog_state(dialog, *change);
}

dialog::Dialog* Proxy::dialog_of(const Relay& relay) {
    return relay.dialog != 0 ? dialogs_.find(relay.dialog) : nullptr;
}

// ---------------------------------------------------------------------------
// Transaction ends

void Proxy::on_ack_timeout(txn::ServerTransaction transaction) {
    (void)transaction;
    logger_->debug("no ACK for a negative final reply (timer H)");
}

void Proxy::on_server_transport_error(txn::ServerTransaction transaction, const Error& error) {
    (void)transaction;
    logger_->debug("a reply could not be sent: {}", error.reason);
}

Proxy::Relay* Proxy::find_relay(txn::ServerTransaction server) {
    auto* relay = relays_.find(server.id());
    return relay != nullptr ? relay->get() : nullptr;
}

void Proxy::release_relay_if_done(txn::ServerTransaction server) {
    const Relay* relay = find_relay(server);
    if (relay == nullptr || relay->server_alive || relay->live_branches != 0) return;
    if (relay->dialog_creator) {
        // The INVITE is over on both sides; a dialog no final reply
        // settled would have nothing left to end it.
        if (dialog::Dialog* dialog = dialog_of(*relay)) {
            if (const auto change = dialog->invite_ended(now())) {
                emit(*dialog, change);
                refresh_dialog_timers(*dialog);
            }
        }
    }
    relays_.erase(server.id());
}

void Proxy::on_server_terminated(txn::ServerTransaction transaction) {
    Relay* relay = find_relay(transaction);
    if (relay == nullptr) return;
    relay->server_alive = false;
    release_relay_if_done(transaction);
}

void Proxy::on_client_terminated(txn::ClientTransaction transaction) {
    if (generated_.erase(transaction.id())) return;
    const txn::ServerTransaction* owner = relay_of_branch_.find(transaction.id());
    if (owner == nullptr) return;
    const txn::ServerTransaction server = *owner;
    relay_of_branch_.erase(transaction.id());
    Relay* relay = find_relay(server);
    if (relay == nullptr) return;
    for (Branch& branch : relay->branches) {
        // The layer reports a final (maybe its own 408 or 503) before the
        // end: this is only a safety net for the count.
        if (branch.transaction == transaction) note_replied(branch);
    }
    if (relay->live_branches > 0) --relay->live_branches;
    release_relay_if_done(server);
}

void Proxy::on_connection_closed(const transport::ConnectionClosed& closed) {
    logger_->debug("connection to {} closed: {}", closed.remote.to_string(),
                   transport::to_string(closed.reason));
}

// ---------------------------------------------------------------------------
// Script functions

script::RouteOutcome Proxy::run_route(RouteFrame& frame, RouteKind kind,
                                      const script::RoutedMessage& routed,
                                      std::string_view named_route) {
    RouteFrame* const outer = frame_;
    frame_ = &frame;
    script::ScriptEngine& engine = script_->engine();
    script::RouteOutcome outcome;
    if (!named_route.empty()) {
        outcome = engine.run_named_route(named_route, kind, routed);
    } else if (kind == RouteKind::Request) {
        outcome = engine.run_request_route(routed);
    } else if (kind == RouteKind::Reply) {
        outcome = engine.run_reply_route(routed);
    } else {
        outcome = engine.run_failure_route(routed);
    }
    frame_ = outer;
    return outcome;
}

Proxy::RouteFrame* Proxy::frame_for(const script::CallContext& context) {
    if (frame_ == nullptr || context.message() == nullptr || frame_->message != context.message()) {
        return nullptr;
    }
    return frame_;
}

namespace {
// The proxy's functions act on the message of the route the proxy runs; a
// msg object kept from an earlier route names nothing any more.
Error not_routing() {
    return make_error("no message is being routed here", 0);
}
}  // namespace

Result<ScriptValue> Proxy::t_relay(const script::CallContext& context,
                                   std::optional<std::string_view> destination) {
    RouteFrame* frame = frame_for(context);
    if (frame == nullptr) return not_routing();
    auto status = relay_from_frame(*frame, destination);
    if (!status) {
        if (status.error().status == 0) return status.error();  // a scripting mistake
        logger_->info("t_relay of {} failed: {} {}", frame->message->call_id(),
                      status.error().status, status.error().reason);
        // For sl_reply_error(), and the reply of a route that ends here.
        frame->relay_error = status.error();
        return ScriptValue{false};
    }
    frame->actions->relay = true;
    return ScriptValue{true};
}

Result<ScriptValue> Proxy::send_reply(const script::CallContext& context, std::int64_t status,
                                      std::string_view reason) {
    RouteFrame* frame = frame_for(context);
    if (frame == nullptr) return not_routing();
    if (status < 100 || status > 699) return make_error("status must be 100..699", 0);
    if (frame->kind == RouteKind::Failure && status < 300) {
        return make_error("a failure route can only send a negative final reply (300..699)", 0);
    }
    auto sent = reply(*frame, static_cast<int>(status), reason);
    if (!sent) {
        logger_->info("send_reply({}) for {}: {}", status, frame->message->call_id(),
                      sent.error().reason);
        return ScriptValue{false};
    }
    frame->actions->reply = script::ReplyAction{static_cast<int>(status), std::string(reason)};
    return ScriptValue{true};
}

Result<ScriptValue> Proxy::sl_reply_error(const script::CallContext& context) {
    RouteFrame* frame = frame_for(context);
    if (frame == nullptr) return not_routing();
    // Without a failed t_relay() there is nothing better to say than 500,
    // which is what OpenSIPS answers for an unknown error too.
    int status = 500;
    std::string_view reason = "Server Internal Error";
    if (frame->relay_error && frame->relay_error->status >= 300 &&
        frame->relay_error->status <= 699) {
        status = frame->relay_error->status;
        reason = frame->relay_error->reason;
    }
    return send_reply(context, status, reason);
}

Result<ScriptValue> Proxy::drop(const script::CallContext& context) {
    RouteFrame* frame = frame_for(context);
    if (frame == nullptr) return not_routing();
    frame->actions->drop = true;
    return ScriptValue{script::StopRoute{}};
}

Result<ScriptValue> Proxy::t_on_failure(const script::CallContext& context,
                                        std::string_view route) {
    RouteFrame* frame = frame_for(context);
    if (frame == nullptr) return not_routing();
    if (!script_->engine().has_named_route(route)) {
        return make_error("no route named '" + std::string(route) + "'", 0);
    }
    frame->failure_route = std::string(route);
    return ScriptValue{true};
}

Result<ScriptValue> Proxy::t_on_reply(const script::CallContext& context, std::string_view route) {
    RouteFrame* frame = frame_for(context);
    if (frame == nullptr) return not_routing();
    if (!script_->engine().has_named_route(route)) {
        return make_error("no route named '" + std::string(route) + "'", 0);
    }
    frame->reply_route = std::string(route);
    return ScriptValue{true};
}

Result<ScriptValue> Proxy::t_reply_code(const script::CallContext& context) {
    RouteFrame* frame = frame_for(context);
    if (frame == nullptr) return not_routing();
    if (frame->reply_status == 0) return ScriptValue{};
    return ScriptValue{std::int64_t{frame->reply_status}};
}

Result<ScriptValue> Proxy::t_check_status(const script::CallContext& context,
                                          std::string_view pattern) {
    RouteFrame* frame = frame_for(context);
    if (frame == nullptr) return not_routing();
    auto matches = status_matches(frame->reply_status, pattern);
    if (!matches) return matches.error();
    return ScriptValue{*matches};
}

Result<ScriptValue> Proxy::record_route(const script::CallContext& context) {
    RouteFrame* frame = frame_for(context);
    if (frame == nullptr) return not_routing();
    frame->plan.record_route = true;
    return ScriptValue{true};
}

Result<ScriptValue> Proxy::loose_route(const script::CallContext& context) {
    RouteFrame* frame = frame_for(context);
    if (frame == nullptr) return not_routing();
    // The core already took our entries off (route_request); what is left
    // to say is whether the Route header routes this request. As in
    // OpenSIPS, an initial request whose Route entries were all ours (a
    // phone's outbound proxy) is not route-driven: it goes by its
    // Request-URI, and a script's "preloaded Route" check lets it pass.
    if (frame->received_routes == 0) return ScriptValue{false};
    const auto to = frame->message->to();
    const bool initial = !to || to->tag.empty();
    const bool only_ours = frame->plan.routes && frame->plan.routes->empty();
    return ScriptValue{!(initial && only_ours)};
}

Result<ScriptValue> Proxy::create_dialog(const script::CallContext& context,
                                         std::optional<std::int64_t> max_duration) {
    RouteFrame* frame = frame_for(context);
    if (frame == nullptr) return not_routing();
    const sip::Message& message = *frame->message;
    const auto to = message.to();
    if (message.method() != sip::Method::Invite || !to || !to->tag.empty()) {
        return ScriptValue{false};
    }
    if (max_duration) {
        if (*max_duration < 0) return make_error("max_duration must not be negative", 0);
        frame->dialog_max_duration = std::chrono::seconds(*max_duration);
    }
    frame->create_dialog = true;
    return ScriptValue{true};
}

Result<ScriptValue> Proxy::dlg_send_sequential(const script::CallContext& context,
                                               std::string_view method, std::string_view leg,
                                               std::string_view body, std::string_view content_type,
                                               std::string_view headers) {
    RouteFrame* frame = frame_for(context);
    if (frame == nullptr) return not_routing();
    const auto side = dialog::side_from_name(leg);
    if (!side) return make_error("leg must be \"caller\" or \"callee\"", 0);
    if (!body.empty() && content_type.empty()) {
        return make_error("a body needs a content type", 0);
    }
    dialog::DialogId id = 0;
    if (frame->in_dialog) {
        id = frame->in_dialog->dialog->id();
    } else if (frame->relay != nullptr) {
        id = frame->relay->dialog;
    }
    if (id == 0) {
        logger_->info("dlg_send_sequential: {} belongs to no dialog", frame->message->call_id());
        return ScriptValue{false};
    }
    dialog::RequestOptions options;
    options.body = body;
    options.content_type = content_type;
    options.extra_headers = headers;
    auto sent = send_in_dialog(id, *side, method, options);
    if (!sent) {
        logger_->info("dlg_send_sequential {} to {}: {} {}", method, leg, sent.error().status,
                      sent.error().reason);
        return ScriptValue{false};
    }
    return ScriptValue{true};
}

std::optional<dialog::DialogId> Proxy::dialog_of_route(const script::CallContext& context) {
    RouteFrame* frame = frame_for(context);
    if (frame == nullptr) return std::nullopt;
    if (frame->in_dialog) return frame->in_dialog->dialog->id();
    if (frame->relay != nullptr && frame->relay->dialog != 0) return frame->relay->dialog;
    return std::nullopt;
}

Status Proxy::watch_request(const script::CallContext& context, std::uint64_t watch) {
    RouteFrame* frame = frame_for(context);
    if (frame == nullptr || frame->kind != RouteKind::Request || frame->request == nullptr) {
        return make_error("no request is being routed here", 0);
    }
    frame->watch = watch;
    if (frame->relay != nullptr) frame->relay->watch = watch;
    return {};
}

std::string Proxy::new_tag() {
    std::uint64_t z = tag_seed_ + 0x9e3779b97f4a7c15ULL * ++tag_counter_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    static constexpr char kHex[] = "0123456789abcdef";
    std::string tag;
    tag.reserve(16);
    for (int shift = 60; shift >= 0; shift -= 4)
        tag.push_back(kHex[(z >> shift) & 0xf]);
    return tag;
}

}  // namespace tandem::proxy
