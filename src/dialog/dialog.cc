// Dialog creation, the initial INVITE transaction, in-dialog requests and
// their replies, offer/answer tracking and lifetime. The requests Tandem
// generates are in generated_requests.cc.
#include "dialog/dialog.h"

#include <algorithm>

#include "base/strings.h"

namespace tandem::dialog {

namespace {

// The body of a message when it is an SDP; "" otherwise. Multipart bodies
// are not looked into.
std::string_view sdp_body(const sip::Message& message) {
    const std::string_view body = message.body();
    if (body.empty()) return {};
    const auto content_type = message.content_type();
    if (!content_type || !content_type->is("application", "sdp")) return {};
    return body;
}

std::string_view relayed_or(const RelayedBody& relayed, std::string_view received) {
    return relayed.body ? *relayed.body : received;
}

// The remote target a request or reply sets: its first Contact's URI.
Result<std::string_view> contact_uri(const sip::Message& message) {
    auto contacts = message.contacts();
    if (!contacts) return make_error("Bad Contact");
    if (contacts->empty() || contacts->front().wildcard) return std::string_view{};
    return contacts->front().uri.text;
}

void append_route(std::string& routes, std::string_view route) {
    if (!routes.empty()) routes.append(", ");
    routes.append(route);
}

}  // namespace

// ---- construction -------------------------------------------------------------

Result<Dialog> Dialog::from_initial_invite(DialogId id, const sip::Message& invite,
                                           Destination caller, TimePoint now,
                                           const DialogOptions& options,
                                           const RelayedBody& relayed) {
    if (!invite.is_request() || invite.method() != sip::Method::Invite) {
        return make_error("Not an INVITE", 500);
    }
    const std::string_view call_id = invite.call_id();
    if (call_id.empty()) return make_error("Missing Call-ID");
    const auto from = invite.from();
    if (!from) return make_error(from.present() ? std::string(from.reason()) : "Missing From");
    if (from->tag.empty()) return make_error("Missing From tag");
    const auto to = invite.to();
    if (!to) return make_error(to.present() ? std::string(to.reason()) : "Missing To");
    if (!to->tag.empty()) return make_error("Not an initial INVITE", 500);
    const auto cseq = invite.cseq();
    if (!cseq) return make_error(cseq.present() ? std::string(cseq.reason()) : "Missing CSeq");
    const auto contact = contact_uri(invite);
    if (!contact) return contact.error();
    if (contact->empty()) return make_error("Missing Contact");
    const auto record_routes = invite.record_routes();
    if (!record_routes) return record_routes.error();

    // The caller's requests go through these proxies in the order they
    // appear (RFC 3261 section 12.1.1); so do Tandem's towards the caller.
    std::string caller_routes;
    for (const sip::NameAddr& route : *record_routes)
        append_route(caller_routes, route.text);

    Dialog dialog(id);
    dialog.created_at_ = now;
    dialog.max_duration_s_ =
        static_cast<std::uint32_t>(std::max<std::int64_t>(0, options.max_duration.count()));
    dialog.linger_s_ =
        static_cast<std::uint16_t>(std::clamp<std::int64_t>(options.linger.count(), 0, UINT16_MAX));
    dialog.own_record_routes_ = options.own_record_routes;
    dialog.caller_record_routes_ =
        static_cast<std::uint16_t>(std::min<std::size_t>(record_routes->size(), UINT16_MAX));

    // Until the 2xx tells how the callee saw them, the callee's view of the
    // URIs is the caller's.
    const PackedTexts::Change changes[] = {
        {index(Field::CallId), call_id},
        {index(Field::CallerTag), from->tag},
        {index(Field::CallerUri), from->uri.text},
        {index(Field::CallerPeerUri), to->uri.text},
        {index(Field::CallerContact), *contact},
        {index(Field::CallerRoutes), caller_routes},
        {index(Field::CallerAddress), caller.address},
        {index(Field::CalleeUri), to->uri.text},
        {index(Field::CalleePeerUri), from->uri.text},
    };
    if (auto status = dialog.assign(changes); !status) return status.error();
    dialog.leg_state(Side::Caller).connection_id = caller.connection_id;
    dialog.leg_state(Side::Callee).towards.start_with(cseq->number, sip::Method::Invite);

    Negotiation negotiation;
    negotiation.offerer = Side::Caller;
    negotiation.target = Side::Callee;
    negotiation.method = sip::Method::Invite;
    negotiation.cseq = cseq->number;
    if (const std::string_view offer = sdp_body(invite); !offer.empty()) {
        negotiation.phase = Negotiation::Phase::OfferInRequest;
        auto recorded = dialog.record_offer(negotiation, offer, relayed_or(relayed, offer));
        if (!recorded) return recorded.error();
    } else {
        negotiation.phase = Negotiation::Phase::OfferExpected;
        negotiation.offerer = Side::Callee;
        dialog.expect_offer(negotiation);
    }
    return dialog;
}

// ---- fields and small helpers -------------------------------------------------------

Dialog::Field Dialog::leg_field(Side side, LegField field) {
    const auto base = side == Side::Caller ? index(Field::CallerTag) : index(Field::CalleeTag);
    return static_cast<Field>(base + static_cast<std::size_t>(field));
}

Status Dialog::assign(std::span<const PackedTexts::Change> changes) {
    return texts_.assign(refs_, changes);
}

void Dialog::set(Flag flag, bool on) {
    flags_ = static_cast<std::uint8_t>(on ? (flags_ | flag) : (flags_ & ~flag));
}

Dialog::EarlyDialog* Dialog::find_early(std::string_view tag) {
    for (EarlyDialog& early : early_) {
        if (early.tag == tag) return &early;
    }
    return nullptr;
}

const Dialog::EarlyDialog* Dialog::latest_early() const {
    if (early_.empty()) return nullptr;
    return &early_[std::min<std::size_t>(early_latest_, early_.size() - 1)];
}

std::optional<TimePoint> Dialog::confirmed_at() const {
    if (!has(kWasConfirmed)) return std::nullopt;
    return confirmed_at_;
}

std::optional<TimePoint> Dialog::ended_at() const {
    if (state_ != State::Deleted) return std::nullopt;
    return ended_at_;
}

StateChange Dialog::move_to(State state) {
    const StateChange change{state_, state};
    state_ = state;
    return change;
}

void Dialog::end(EndReason reason, TimePoint now, int status) {
    state_ = State::Deleted;
    end_reason_ = reason;
    ended_at_ = now;
    final_status_ = static_cast<std::uint16_t>(std::clamp(status, 0, 999));
    discard_negotiation();
    std::vector<EarlyDialog>().swap(early_);
    set(kInvitePending, false);
}

// ---- legs ------------------------------------------------------------------------

LegView Dialog::leg(Side side) const {
    LegView view;
    view.uri = field(side, LegField::Uri);
    view.peer_uri = field(side, LegField::PeerUri);
    view.last_cseq = leg_state(other(side)).towards.last_from_peer();
    view.cseq_offset = leg_state(side).towards.offset();
    view.generated_requests = leg_state(side).towards.generated();
    const EarlyDialog* early =
        side == Side::Callee && !has(kWasConfirmed) ? latest_early() : nullptr;
    if (early != nullptr) {
        view.tag = early->tag;
        view.contact = early->contact;
        view.route_set = early->routes;
        view.destination = Destination{early->address, early->connection_id};
        return view;
    }
    view.tag = field(side, LegField::Tag);
    view.contact = field(side, LegField::Contact);
    view.route_set = field(side, LegField::Routes);
    view.destination = Destination{field(side, LegField::Address), leg_state(side).connection_id};
    view.sdp_sent = field(side, LegField::SdpSent);
    view.sdp_received = field(side, LegField::SdpReceived);
    return view;
}

Status Dialog::set_destination(Side side, Destination destination) {
    if (side == Side::Callee && !has(kWasConfirmed)) {
        return make_error("callee not confirmed yet", 481);
    }
    const PackedTexts::Change change[] = {
        {index(leg_field(side, LegField::Address)), destination.address}};
    if (auto status = assign(change); !status) return status;
    leg_state(side).connection_id = destination.connection_id;
    return {};
}

// ---- matching ----------------------------------------------------------------------

std::optional<Side> Dialog::sender(std::string_view call_id, std::string_view from_tag,
                                   std::string_view to_tag) const {
    if (to_tag.empty() || call_id != this->call_id()) return std::nullopt;
    const std::string_view caller_tag = field(Field::CallerTag);
    auto match = [&](std::string_view callee_tag) -> std::optional<Side> {
        if (from_tag == caller_tag && to_tag == callee_tag) return Side::Caller;
        if (from_tag == callee_tag && to_tag == caller_tag) return Side::Callee;
        return std::nullopt;
    };
    if (has(kWasConfirmed)) return match(field(Field::CalleeTag));
    for (const EarlyDialog& early : early_) {
        if (auto side = match(early.tag)) return side;
    }
    return std::nullopt;
}

std::optional<Side> Dialog::sender_of(const sip::Message& request) const {
    const auto from = request.from();
    const auto to = request.to();
    if (!from || !to) return std::nullopt;
    return sender(request.call_id(), from->tag, to->tag);
}

// ---- the initial INVITE transaction ----------------------------------------------

Result<std::string> Dialog::callee_route_set(const sip::Message& reply) const {
    const auto record_routes = reply.record_routes();
    if (!record_routes) return record_routes.error();
    // The reply lists the callee side's entries first, then Tandem's own,
    // then the caller side's (copied from the INVITE). The callee side's,
    // reversed, are the route from Tandem to the callee (RFC 3261 section
    // 12.1.2, as seen from Tandem).
    const std::size_t skipped = std::size_t{caller_record_routes_} + own_record_routes_;
    const std::size_t count = record_routes->size() > skipped ? record_routes->size() - skipped : 0;
    std::string routes;
    for (std::size_t i = count; i > 0; --i)
        append_route(routes, (*record_routes)[i - 1].text);
    return routes;
}

Result<ReplyOutcome> Dialog::on_reply(const sip::Message& reply, Destination callee, TimePoint now,
                                      const RelayedBody& relayed) {
    if (!reply.is_response()) return make_error("Not a reply", 500);
    const auto cseq = reply.cseq();
    if (!cseq || cseq->method != sip::Method::Invite) return make_error("Not an INVITE reply", 500);
    if (state_ == State::Deleted) return ReplyOutcome{};
    const int status = reply.status_code();
    if (status < 200) return on_provisional(reply, callee, relayed);
    if (status < 300) return on_success(reply, callee, now, relayed);
    return on_failure(reply, now);
}

Result<ReplyOutcome> Dialog::on_provisional(const sip::Message& reply, Destination callee,
                                            const RelayedBody& relayed) {
    ReplyOutcome outcome;
    if (has(kWasConfirmed) || reply.status_code() == 100) return outcome;
    const auto to = reply.to();
    if (!to || to->tag.empty()) return outcome;  // no early dialog without a To tag

    EarlyDialog* early = find_early(to->tag);
    if (early == nullptr) {
        if (early_.size() >= kMaxEarlyDialogs) return outcome;
        early_.push_back(EarlyDialog{});
        early = &early_.back();
        early->tag = std::string(to->tag);
    }
    const auto contact = contact_uri(reply);
    if (!contact) return contact.error();
    auto routes = callee_route_set(reply);
    if (!routes) return routes.error();
    if (!contact->empty()) early->contact = std::string(*contact);
    early->routes = std::move(*routes);
    early->address = std::string(callee.address);
    early->connection_id = callee.connection_id;
    if (const std::string_view sdp = sdp_body(reply); !sdp.empty()) {
        early->sdp = std::string(sdp);
        early->sdp_relayed = relayed.body ? std::string(*relayed.body) : std::string();
    }
    early_latest_ = static_cast<std::uint8_t>(early - early_.data());
    if (state_ == State::Unconfirmed) outcome.state_change = move_to(State::Early);
    return outcome;
}

Result<ReplyOutcome> Dialog::on_success(const sip::Message& reply, Destination callee,
                                        TimePoint now, const RelayedBody& relayed) {
    ReplyOutcome outcome;
    const auto to = reply.to();
    const auto from = reply.from();
    if (!to || !from) return make_error("Bad From or To");
    if (to->tag.empty()) return make_error("Missing To tag");
    if (has(kWasConfirmed)) {
        // A retransmission of the winner's 2xx, or another branch's.
        outcome.untracked_fork = to->tag != field(Field::CalleeTag);
        return outcome;
    }

    const EarlyDialog* winner = find_early(to->tag);
    auto contact = contact_uri(reply);
    if (!contact) return contact.error();
    if (contact->empty() && winner != nullptr) contact = std::string_view(winner->contact);
    if (contact->empty()) return make_error("Missing Contact");
    auto routes = callee_route_set(reply);
    if (!routes) return routes.error();

    // The From and To of the 2xx are those the callee received: its view
    // of the dialog's URIs, which a script may have changed on the way.
    const PackedTexts::Change changes[] = {
        {index(Field::CalleeTag), to->tag},
        {index(Field::CalleeUri), to->uri.text},
        {index(Field::CalleePeerUri), from->uri.text},
        {index(Field::CalleeContact), *contact},
        {index(Field::CalleeRoutes), *routes},
        {index(Field::CalleeAddress), callee.address},
    };
    if (auto status = assign(changes); !status) return status.error();
    leg_state(Side::Callee).connection_id = callee.connection_id;

    // Offer/answer, while the winner's early answer is still at hand.
    const std::string_view sdp = sdp_body(reply);
    const auto cseq = reply.cseq();
    if (concerns_negotiation(Side::Callee, cseq->number, sip::Method::Invite)) {
        if (negotiation_.phase == Negotiation::Phase::OfferInRequest) {
            Result<OfferAnswer> result = OfferAnswer::None;
            if (!sdp.empty()) {
                result = commit(sdp, relayed_or(relayed, sdp));
            } else if (winner != nullptr && !winner->sdp.empty()) {
                result = commit(winner->sdp,
                                winner->sdp_relayed.empty() ? winner->sdp : winner->sdp_relayed);
            } else if (!field(Field::AnswerReceived).empty()) {
                result = commit(field(Field::AnswerReceived), field(Field::AnswerRelayed));
            } else {
                result = discard_negotiation();
            }
            if (!result) return result.error();
            outcome.offer_answer = *result;
        } else if (negotiation_.phase == Negotiation::Phase::OfferExpected) {
            Negotiation negotiation = negotiation_;
            negotiation.phase = Negotiation::Phase::OfferInReply;
            if (!sdp.empty()) {
                auto result = record_offer(negotiation, sdp, relayed_or(relayed, sdp));
                if (!result) return result.error();
                outcome.offer_answer = *result;
            } else {
                discard_negotiation();
            }
        }
    }

    // Only the winner's own requests count in the numbering towards the caller.
    leg_state(Side::Caller)
        .towards.reset_peer(winner != nullptr ? winner->last_cseq : 0,
                            winner != nullptr && winner->sent_request);
    std::vector<EarlyDialog>().swap(early_);
    early_latest_ = 0;

    confirmed_at_ = now;
    set(kWasConfirmed, true);
    outcome.state_change = move_to(State::ConfirmedNoAck);
    return outcome;
}

Result<ReplyOutcome> Dialog::on_failure(const sip::Message& reply, TimePoint now) {
    ReplyOutcome outcome;
    if (has(kWasConfirmed)) return outcome;  // a 2xx already won
    const State before = state_;
    end(has(kCancelled) ? EndReason::Cancelled : EndReason::Failed, now, reply.status_code());
    outcome.state_change = StateChange{before, State::Deleted};
    outcome.offer_answer = OfferAnswer::Discarded;
    return outcome;
}

void Dialog::branch_failed(const sip::Message& reply) {
    if (has(kWasConfirmed)) return;
    const auto to = reply.to();
    if (!to || to->tag.empty()) return;
    const auto failed = std::find_if(early_.begin(), early_.end(), [&](const EarlyDialog& early) {
        return early.tag == to->tag;
    });
    if (failed == early_.end()) return;
    const auto failed_index = static_cast<std::size_t>(failed - early_.begin());
    early_.erase(failed);
    if (early_latest_ >= failed_index && early_latest_ > 0) --early_latest_;
}

void Dialog::on_cancel() {
    if (!has(kWasConfirmed) && state_ != State::Deleted) set(kCancelled, true);
}

std::optional<StateChange> Dialog::invite_ended(TimePoint now) {
    if (has(kWasConfirmed) || state_ == State::Deleted) return std::nullopt;
    const State before = state_;
    end(has(kCancelled) ? EndReason::Cancelled : EndReason::Failed, now, 408);
    return StateChange{before, State::Deleted};
}

// ---- in-dialog requests --------------------------------------------------------------

namespace {

// "RAck: <rseq> <cseq> <method>" (RFC 3262 section 7.2).
struct RAckValue {
    std::string_view rseq;
    std::uint32_t cseq = 0;
    std::string_view method;
};

std::optional<RAckValue> parse_rack(std::string_view value) {
    auto next_word = [&value]() {
        value = trim(value);
        const std::size_t end = std::min(value.find_first_of(" \t\r\n"), value.size());
        const std::string_view word = value.substr(0, end);
        value.remove_prefix(end);
        return word;
    };
    RAckValue rack;
    rack.rseq = next_word();
    const auto cseq = parse_uint(next_word());
    rack.method = next_word();
    if (rack.rseq.empty() || !cseq || rack.method.empty() || !trim(value).empty()) {
        return std::nullopt;
    }
    rack.cseq = static_cast<std::uint32_t>(*cseq);
    return rack;
}

}  // namespace

Result<RequestOutcome> Dialog::on_request(const sip::Message& request, Side from, TimePoint now,
                                          const RelayedBody& relayed) {
    if (!request.is_request()) return make_error("Not a request", 500);
    const auto cseq = request.cseq();
    if (!cseq) return make_error(cseq.present() ? std::string(cseq.reason()) : "Missing CSeq");
    const sip::Method method = request.method();
    const Side towards = other(from);
    // Read everything that may be malformed before changing anything.
    const bool target_refresh = method == sip::Method::Invite || method == sip::Method::Update;
    const auto contact = target_refresh ? contact_uri(request) : std::string_view{};
    if (!contact) return contact.error();

    RequestOutcome outcome;
    outcome.towards = towards;
    auto rewrite = leg_state(towards).towards.relay(cseq->number, method);
    if (!rewrite) return rewrite.error();
    outcome.cseq = *rewrite;

    // Requests of an early callee: remember its numbering in case it wins.
    if (from == Side::Callee && !has(kWasConfirmed) && method != sip::Method::Ack &&
        method != sip::Method::Cancel) {
        const auto from_header = request.from();
        if (EarlyDialog* early = from_header ? find_early(from_header->tag) : nullptr) {
            if (!early->sent_request || cseq->number > early->last_cseq) {
                early->last_cseq = cseq->number;
            }
            early->sent_request = true;
        }
    }

    if (method == sip::Method::Prack) {
        const CSeqSpace& space = leg_state(towards).towards;
        const auto rack_header = request.header(sip::HeaderId::RAck);
        const auto rack = rack_header ? parse_rack(*rack_header) : std::nullopt;
        if (rack && space.has_invite() && rack->cseq == space.invite_original() &&
            space.invite_relayed() != space.invite_original()) {
            std::string value(rack->rseq);
            value.push_back(' ');
            value.append(cseq_value(space.invite_relayed(), rack->method));
            outcome.rack = std::move(value);
        }
    }

    if (state_ == State::Deleted) return outcome;  // lingering: route, change nothing

    switch (method) {
        case sip::Method::Ack: {
            if (state_ == State::ConfirmedNoAck && from == Side::Caller) {
                outcome.state_change = move_to(State::Confirmed);
            }
            if (negotiation_.phase == Negotiation::Phase::OfferInReply && !negotiation_.generated &&
                negotiation_.method == sip::Method::Invite && negotiation_.offerer == towards &&
                negotiation_.cseq == rewrite->relayed) {
                const std::string_view answer = sdp_body(request);
                Result<OfferAnswer> result = OfferAnswer::Discarded;
                if (!answer.empty()) {
                    result = commit(answer, relayed_or(relayed, answer));
                } else {
                    discard_negotiation();
                }
                if (!result) return result.error();
                outcome.offer_answer = *result;
            }
            break;
        }
        case sip::Method::Bye: {
            const State before = state_;
            end(from == Side::Caller ? EndReason::ByeByCaller : EndReason::ByeByCallee, now);
            outcome.state_change = StateChange{before, State::Deleted};
            break;
        }
        case sip::Method::Invite:
        case sip::Method::Update: {
            // A target refresh: the sender's new Contact (RFC 3261 section
            // 12.2.2). Early dialogs refresh when they are confirmed.
            if (!contact->empty() && (from == Side::Caller || has(kWasConfirmed)) &&
                *contact != field(from, LegField::Contact)) {
                const PackedTexts::Change change[] = {
                    {index(leg_field(from, LegField::Contact)), *contact}};
                if (auto status = assign(change); !status) return status.error();
            }
            if (method == sip::Method::Invite) set(kInvitePending, true);
            Negotiation negotiation;
            negotiation.offerer = from;
            negotiation.target = towards;
            negotiation.method = method;
            negotiation.cseq = rewrite->relayed;
            if (const std::string_view offer = sdp_body(request); !offer.empty()) {
                negotiation.phase = Negotiation::Phase::OfferInRequest;
                auto result = record_offer(negotiation, offer, relayed_or(relayed, offer));
                if (!result) return result.error();
                outcome.offer_answer = *result;
            } else if (method == sip::Method::Invite) {
                negotiation.phase = Negotiation::Phase::OfferExpected;
                negotiation.offerer = towards;
                expect_offer(negotiation);
            }
            break;
        }
        default:
            break;
    }
    return outcome;
}

Result<ReplyOutcome> Dialog::on_request_reply(const sip::Message& reply, Side from,
                                              const RelayedBody& relayed) {
    if (!reply.is_response()) return make_error("Not a reply", 500);
    const auto cseq = reply.cseq();
    if (!cseq) return make_error(cseq.present() ? std::string(cseq.reason()) : "Missing CSeq");
    ReplyOutcome outcome;
    if (state_ == State::Deleted) return outcome;
    const int status = reply.status_code();
    const sip::Method method = cseq->method;
    const bool concerned = concerns_negotiation(from, cseq->number, method);
    const std::string_view sdp = sdp_body(reply);

    if (status < 200) {
        // An answer in a (reliable) provisional reply to a re-INVITE; the 2xx
        // may repeat it or carry none.
        if (concerned && negotiation_.phase == Negotiation::Phase::OfferInRequest && !sdp.empty()) {
            auto result = record_answer(sdp, relayed_or(relayed, sdp));
            if (!result) return result.error();
        }
        return outcome;
    }
    if (method == sip::Method::Invite) set(kInvitePending, false);

    if (status >= 300) {
        if (concerned) outcome.offer_answer = discard_negotiation();
        return outcome;
    }

    if (method == sip::Method::Invite || method == sip::Method::Update) {
        const auto contact = contact_uri(reply);
        if (!contact) return contact.error();
        if (!contact->empty() && *contact != field(from, LegField::Contact)) {
            const PackedTexts::Change change[] = {
                {index(leg_field(from, LegField::Contact)), *contact}};
            if (auto assigned = assign(change); !assigned) return assigned.error();
        }
    }
    if (!concerned) return outcome;

    Result<OfferAnswer> result = OfferAnswer::None;
    if (negotiation_.phase == Negotiation::Phase::OfferInRequest) {
        if (!sdp.empty()) {
            result = commit(sdp, relayed_or(relayed, sdp));
        } else if (!field(Field::AnswerReceived).empty()) {
            result = commit(field(Field::AnswerReceived), field(Field::AnswerRelayed));
        } else {
            result = discard_negotiation();
        }
    } else if (negotiation_.phase == Negotiation::Phase::OfferExpected) {
        if (!sdp.empty()) {
            Negotiation negotiation = negotiation_;
            negotiation.phase = Negotiation::Phase::OfferInReply;
            result = record_offer(negotiation, sdp, relayed_or(relayed, sdp));
        } else {
            result = discard_negotiation();
        }
    }
    if (!result) return result.error();
    outcome.offer_answer = *result;
    return outcome;
}

OfferAnswer Dialog::request_failed(Side towards, std::uint32_t cseq, sip::Method method) {
    if (method == sip::Method::Invite) set(kInvitePending, false);
    if (state_ == State::Deleted || !concerns_negotiation(towards, cseq, method)) {
        return OfferAnswer::None;
    }
    return discard_negotiation();
}

// ---- offer/answer ----------------------------------------------------------------------

bool Dialog::concerns_negotiation(Side replier, std::uint32_t cseq, sip::Method method) const {
    if (negotiation_.phase == Negotiation::Phase::None) return false;
    return negotiation_.target == replier && negotiation_.cseq == cseq &&
           negotiation_.method == method;
}

Result<OfferAnswer> Dialog::record_offer(const Negotiation& negotiation, std::string_view offer,
                                         std::string_view offer_relayed) {
    const PackedTexts::Change changes[] = {
        {index(Field::OfferReceived), offer},
        {index(Field::OfferRelayed), offer_relayed},
        {index(Field::AnswerReceived), {}},
        {index(Field::AnswerRelayed), {}},
    };
    if (auto status = assign(changes); !status) return status.error();
    negotiation_ = negotiation;
    return OfferAnswer::Pending;
}

void Dialog::expect_offer(const Negotiation& negotiation) {
    discard_negotiation();
    negotiation_ = negotiation;
}

Result<OfferAnswer> Dialog::record_answer(std::string_view answer,
                                          std::string_view answer_relayed) {
    const PackedTexts::Change changes[] = {
        {index(Field::AnswerReceived), answer},
        {index(Field::AnswerRelayed), answer_relayed},
    };
    if (auto status = assign(changes); !status) return status.error();
    return OfferAnswer::Pending;
}

Result<OfferAnswer> Dialog::commit(std::string_view answer, std::string_view answer_relayed) {
    const Side offerer = negotiation_.offerer;
    const Side answerer = other(offerer);
    // For Tandem's own request only the real endpoint's SDPs change: the
    // impersonated party never saw this exchange.
    const bool generated = negotiation_.generated;
    const Side endpoint = negotiation_.target;
    PackedTexts::Change changes[8];
    std::size_t count = 0;
    auto change = [&](Side side, LegField which, std::string_view text) {
        if (generated && side != endpoint) return;
        changes[count++] = {index(leg_field(side, which)), text};
    };
    change(offerer, LegField::SdpReceived, field(Field::OfferReceived));
    change(answerer, LegField::SdpSent, field(Field::OfferRelayed));
    change(answerer, LegField::SdpReceived, answer);
    change(offerer, LegField::SdpSent, answer_relayed);
    changes[count++] = {index(Field::OfferReceived), {}};
    changes[count++] = {index(Field::OfferRelayed), {}};
    changes[count++] = {index(Field::AnswerReceived), {}};
    changes[count++] = {index(Field::AnswerRelayed), {}};
    if (auto status = assign(std::span(changes, count)); !status) return status.error();
    negotiation_ = Negotiation{};
    return OfferAnswer::Committed;
}

OfferAnswer Dialog::discard_negotiation() {
    const bool pending = negotiation_.phase != Negotiation::Phase::None;
    negotiation_ = Negotiation{};
    const PackedTexts::Change changes[] = {
        {index(Field::OfferReceived), {}},
        {index(Field::OfferRelayed), {}},
        {index(Field::AnswerReceived), {}},
        {index(Field::AnswerRelayed), {}},
    };
    // Removing texts only shrinks the buffer: it cannot fail.
    (void)assign(changes);
    return pending ? OfferAnswer::Discarded : OfferAnswer::None;
}

// ---- lifetime ---------------------------------------------------------------------------

void Dialog::set_max_duration(std::chrono::seconds max_duration) {
    max_duration_s_ =
        static_cast<std::uint32_t>(std::clamp<std::int64_t>(max_duration.count(), 0, UINT32_MAX));
}

std::optional<TimePoint> Dialog::expiry_deadline() const {
    if (max_duration_s_ == 0 || !is_confirmed()) return std::nullopt;
    return confirmed_at_ + std::chrono::seconds(max_duration_s_);
}

std::optional<TimePoint> Dialog::linger_deadline() const {
    if (state_ != State::Deleted) return std::nullopt;
    return ended_at_ + std::chrono::seconds(linger_s_);
}

Result<Termination> Dialog::expire(TimePoint now, const RequestOptions& options) {
    const auto deadline = expiry_deadline();
    if (!deadline) return make_error("dialog has no expiry", 0);
    if (now < *deadline) return make_error("dialog not expired yet", 0);
    return end_with_byes(EndReason::Timeout, now, options);
}

Result<Termination> Dialog::terminate(TimePoint now, const RequestOptions& options,
                                      EndReason reason) {
    if (reason != EndReason::Terminated && reason != EndReason::Transferred) {
        return make_error("a dialog is terminated or transferred", 0);
    }
    return end_with_byes(reason, now, options);
}

// ---- memory -------------------------------------------------------------------------------

std::size_t Dialog::heap_bytes() const {
    std::size_t bytes = texts_.heap_bytes() + variables_.heap_bytes();
    bytes += early_.capacity() * sizeof(EarlyDialog);
    const std::size_t inline_capacity = std::string{}.capacity();
    auto string_heap = [inline_capacity](const std::string& text) {
        return text.capacity() > inline_capacity ? text.capacity() + 1 : 0;
    };
    for (const EarlyDialog& early : early_) {
        bytes += string_heap(early.tag) + string_heap(early.contact) + string_heap(early.routes) +
                 string_heap(early.address) + string_heap(early.sdp) +
                 string_heap(early.sdp_relayed);
    }
    return bytes;
}

}  // namespace tandem::dialog
