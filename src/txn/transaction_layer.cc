// The transaction table, timers, sending and the receive path. The state
// machines themselves live in server_transaction.cc and
// client_transaction.cc.
//
// Re-entrancy rule for this file and the two others: the TU may call back
// into the layer from any TransactionUser callback, and such a call may grow
// slots_ (invalidating references) or end transactions. So no Transaction&
// is held across a TU callback or an allocate(); code re-resolves by index or
// id afterwards.
#include "txn/transaction_layer.h"

#include <cassert>
#include <utility>

#include "sip/raw_request.h"
#include "sip/validate.h"
#include "sip/writer.h"

namespace tandem::txn {

namespace {

bool arrived_on_stream(const transport::ReceivedMessage& received) {
    return static_cast<bool>(received.connection) ||
           received.source.protocol == transport::Protocol::tcp;
}

}  // namespace

TransactionLayer::TransactionLayer(transport::Transport& transport, TimerWheel& timers,
                                   TransactionUser& user, LayerOptions options)
    : transport_(transport),
      timers_(timers),
      user_(user),
      options_(options),
      branches_(options.branch_seed != 0 ? options.branch_seed : random_seed()) {
    assert(options_.timers.t1.count() > 0 && options_.timers.t2 >= options_.timers.t1);
}

TransactionLayer::~TransactionLayer() {
    // Pending timer callbacks capture `this`.
    for (Transaction& transaction : slots_) {
        if (transaction.in_use) stop_timers(transaction);
    }
}

// ---- table ------------------------------------------------------------------

const detail::Transaction* TransactionLayer::resolve(TransactionId id, detail::Role role) const {
    if (!id || id.index() >= slots_.size()) return nullptr;
    const Transaction& transaction = slots_[id.index()];
    if (!transaction.in_use || transaction.generation != id.generation() ||
        transaction.role != role) {
        return nullptr;
    }
    return &transaction;
}

TransactionId TransactionLayer::id_of(std::uint32_t index) const {
    return TransactionId(index, slots_[index].generation);
}

Result<std::uint32_t> TransactionLayer::allocate(detail::Role role) {
    if (stats_.server_transactions + stats_.client_transactions >= options_.max_transactions) {
        return make_error("Too many transactions", 503);
    }
    std::uint32_t index;
    if (!free_slots_.empty()) {
        index = free_slots_.back();
        free_slots_.pop_back();
    } else {
        index = static_cast<std::uint32_t>(slots_.size());
        slots_.emplace_back();
    }
    Transaction& transaction = slots_[index];
    transaction.in_use = true;
    transaction.role = role;
    transaction.send_options.tag = id_of(index).value();
    if (role == detail::Role::server) {
        ++stats_.server_transactions;
    } else {
        ++stats_.client_transactions;
    }
    return index;
}

void TransactionLayer::discard(std::uint32_t index) {
    Transaction& transaction = slots_[index];
    stop_timers(transaction);
    if (transaction.role == detail::Role::server) {
        server_index_.erase(transaction.hash, index);
        --stats_.server_transactions;
    } else {
        client_index_.erase(transaction.hash, index);
        --stats_.client_transactions;
    }
    // A fresh value frees the strings; the new generation makes every handle
    // and timer of the old transaction stale.
    std::uint32_t generation = transaction.generation + 1;
    if (generation == 0) generation = 1;
    transaction = Transaction{};
    transaction.generation = generation;
    free_slots_.push_back(index);
}

void TransactionLayer::terminate(std::uint32_t index) {
    const TransactionId id = id_of(index);
    const detail::Role role = slots_[index].role;
    const bool tell_user = !slots_[index].internal;
    discard(index);
    if (!tell_user) return;
    if (role == detail::Role::server) {
        user_.on_server_terminated(ServerTransaction(id));
    } else {
        user_.on_client_terminated(ClientTransaction(id));
    }
}

RequestKey TransactionLayer::key_of(const Transaction& transaction) const {
    const std::string_view base = transaction.request;
    const detail::StoredKey& stored = transaction.key;
    RequestKey key;
    key.branch = detail::view_of(base, stored.branch);
    key.sent_by_host = detail::view_of(base, stored.sent_by_host);
    if (stored.has_sent_by_port) key.sent_by_port = stored.sent_by_port;
    key.method = detail::view_of(base, stored.method);
    key.request_uri = detail::view_of(base, stored.request_uri);
    key.call_id = detail::view_of(base, stored.call_id);
    key.from_tag = detail::view_of(base, stored.from_tag);
    key.to_tag = detail::view_of(base, stored.to_tag);
    key.top_via = detail::view_of(base, stored.top_via);
    key.cseq = stored.cseq;
    return key;
}

void TransactionLayer::compact(Transaction& transaction) {
    if (transaction.compacted) return;
    const std::string_view old = transaction.request;
    detail::StoredKey& key = transaction.key;
    detail::TextSpan* const spans[] = {&key.branch,      &key.sent_by_host, &key.method,
                                       &key.request_uri, &key.call_id,      &key.from_tag,
                                       &key.to_tag,      &key.top_via};
    std::size_t total = 0;
    for (const detail::TextSpan* span : spans)
        total += span->size;
    std::string kept;
    kept.reserve(total);
    for (detail::TextSpan* span : spans) {
        const std::string_view text = detail::view_of(old, *span);
        *span = {static_cast<std::uint32_t>(kept.size()), span->size};
        kept.append(text);
    }
    transaction.request = std::move(kept);
    transaction.compacted = true;
}

std::uint32_t TransactionLayer::find_server_slot(const RequestKey& key, Relation relation) const {
    return server_index_.find(server_hash(key, relation), [&](std::uint32_t index) {
        const Transaction& candidate = slots_[index];
        if (relation != Relation::same && !candidate.invite) return false;
        if (relation == Relation::ack && !key.rfc3261()) {
            // RFC 2543 ACKs also match on the To tag of the final response.
            return matches(key_of(candidate), key, relation, final_response_to_tag(candidate));
        }
        return matches(key_of(candidate), key, relation);
    });
}

std::uint32_t TransactionLayer::find_client_slot(std::string_view branch,
                                                 std::string_view method) const {
    return client_index_.find(client_hash(branch, method), [&](std::uint32_t index) {
        const RequestKey key = key_of(slots_[index]);
        return key.branch == branch && key.method == method;
    });
}

// ---- sending and timers -------------------------------------------------------

Status TransactionLayer::send(std::uint32_t index, std::string_view bytes) {
    const Transaction& transaction = slots_[index];
    Status status = transport_.send(transaction.peer, bytes, transaction.send_options);
    if (!status) ++stats_.transport_errors;
    return status;
}

void TransactionLayer::send_best_effort(std::uint32_t index, std::string_view bytes) {
    // Retransmissions, ACKs and the automatic 100: a lost one is covered by
    // the next retransmission or by the transaction's timeout, so a refusal
    // is only counted.
    static_cast<void>(send(index, bytes));
}

void TransactionLayer::arm_retransmit(std::uint32_t index, Duration delay) {
    Transaction& transaction = slots_[index];
    timers_.cancel(transaction.retransmit_timer);
    const TransactionId id = id_of(index);
    transaction.retransmit_timer = timers_.schedule(delay, [this, id] { on_retransmit_timer(id); });
}

void TransactionLayer::arm_deadline(std::uint32_t index, Duration delay) {
    Transaction& transaction = slots_[index];
    timers_.cancel(transaction.deadline_timer);
    const TransactionId id = id_of(index);
    transaction.deadline_timer = timers_.schedule(delay, [this, id] { on_deadline_timer(id); });
}

void TransactionLayer::stop_timers(Transaction& transaction) {
    timers_.cancel(transaction.retransmit_timer);
    timers_.cancel(transaction.deadline_timer);
    transaction.retransmit_timer = {};
    transaction.deadline_timer = {};
}

Duration TransactionLayer::linger(const Transaction& transaction, Duration unreliable) const {
    // Timers D, I, J and K only absorb retransmissions, which reliable
    // transports do not make (RFC 3261 17.1.1.2, 17.1.2.2, 17.2.1, 17.2.2).
    return transaction.reliable ? Duration::zero() : unreliable;
}

void TransactionLayer::on_retransmit_timer(TransactionId id) {
    if (!id || id.index() >= slots_.size()) return;
    Transaction& transaction = slots_[id.index()];
    if (!transaction.in_use || transaction.generation != id.generation()) return;
    transaction.retransmit_timer = {};
    if (transaction.role == detail::Role::server) {
        server_retransmit_timer(id.index());
    } else {
        client_retransmit_timer(id.index());
    }
}

void TransactionLayer::on_deadline_timer(TransactionId id) {
    if (!id || id.index() >= slots_.size()) return;
    Transaction& transaction = slots_[id.index()];
    if (!transaction.in_use || transaction.generation != id.generation()) return;
    transaction.deadline_timer = {};
    if (transaction.role == detail::Role::server) {
        server_deadline(id.index());
    } else {
        client_deadline(id.index());
    }
}

// ---- receive path ---------------------------------------------------------------

void TransactionLayer::on_message(const transport::ReceivedMessage& received) {
    auto parsed = sip::Message::parse(received.bytes);
    if (!parsed) {
        answer_unparsed(received.bytes, received, parsed.error());
        return;
    }
    if (parsed->is_request()) {
        receive_request(std::move(parsed).value(), received);
    } else {
        receive_response(std::move(parsed).value(), received);
    }
}

void TransactionLayer::receive_request(sip::Message request,
                                       const transport::ReceivedMessage& received) {
    ++stats_.requests_received;
    auto stamped = stamp_top_via(std::move(request), received.source);
    if (!stamped) {
        ++stats_.messages_dropped;
        return;
    }
    sip::ValidationOptions validation;
    validation.stream = arrived_on_stream(received);
    if (const Status valid = sip::validate_request(*stamped, validation); !valid) {
        answer_invalid(*stamped, received, valid.error());
        return;
    }
    const auto key = request_key(*stamped);
    if (!key) {
        ++stats_.messages_dropped;
        return;
    }
    // The key's views point into the message's storage, which stays put
    // when the message moves into the IncomingRequest.
    IncomingRequest incoming{std::move(stamped).value(), received.source, received.local,
                             received.connection};
    if (incoming.message.method() == sip::Method::Ack) {
        const std::uint32_t index = find_server_slot(*key, Relation::ack);
        if (index != kNoSlot) {
            server_ack(index, std::move(incoming));
        } else {
            user_.on_request(std::move(incoming));
        }
        return;
    }
    const std::uint32_t index = find_server_slot(*key, Relation::same);
    if (index != kNoSlot) {
        server_retransmission(index);
        return;
    }
    user_.on_request(std::move(incoming));
}

void TransactionLayer::answer_invalid(const sip::Message& request,
                                      const transport::ReceivedMessage& received,
                                      const Error& error) {
    // A response needs the headers response_to copies and a Via to route by;
    // an ACK is never answered (RFC 3261 17.2.1: it has no response).
    const auto via = request.top_via();
    const bool answerable = request.method() != sip::Method::Ack && via && request.from() &&
                            request.to() && !request.call_id().empty() && request.cseq();
    if (!answerable) {
        // A From, To or CSeq that does not parse is still copied as written.
        answer_unparsed(request.bytes(), received, error);
        return;
    }
    const int status = error.status >= 400 && error.status <= 699 ? error.status : 400;
    const std::string response = sip::response_to(request, status, error.reason).build();
    const ResponseRoute route =
        response_route(*via, received.source, received.local, received.connection);
    ++stats_.bad_requests_answered;
    if (!transport_.send(route.destination, response, route.options)) ++stats_.transport_errors;
}

void TransactionLayer::answer_unparsed(std::string_view bytes,
                                       const transport::ReceivedMessage& received,
                                       const Error& error) {
    const auto head = sip::scan_request_head(bytes);
    if (!head) {
        ++stats_.messages_dropped;
        return;
    }
    const int status = error.status >= 400 && error.status <= 699 ? error.status : 400;
    const std::string response = sip::raw_response(*head, status, error.reason);
    const ResponseRoute route =
        response_route(head->top_via, received.source, received.local, received.connection);
    ++stats_.bad_requests_answered;
    if (!transport_.send(route.destination, response, route.options)) ++stats_.transport_errors;
}

void TransactionLayer::receive_response(sip::Message response,
                                        const transport::ReceivedMessage& received) {
    ++stats_.responses_received;
    sip::ValidationOptions validation;
    validation.stream = arrived_on_stream(received);
    if (!sip::validate_response(response, validation)) {
        ++stats_.messages_dropped;
        return;
    }
    const std::uint32_t index =
        find_client_slot(response.top_via()->branch, response.cseq()->method_text);
    IncomingResponse incoming{std::move(response), received.source, received.local,
                              received.connection, ResponseOrigin::network};
    if (index == kNoSlot) {
        ++stats_.stray_responses;
        user_.on_stray_response(std::move(incoming));
        return;
    }
    client_response(index, std::move(incoming));
}

void TransactionLayer::on_send_failed(const transport::SendFailure& failure) {
    const TransactionId id = TransactionId::from_value(failure.tag);
    if (!id || id.index() >= slots_.size()) return;
    const Transaction& transaction = slots_[id.index()];
    if (!transaction.in_use || transaction.generation != id.generation()) return;
    ++stats_.transport_errors;
    const std::uint32_t index = id.index();
    if (transaction.role == detail::Role::server) {
        // RFC 3261 17.2.4 and the RFC 6026 figures: inform the TU; a
        // non-INVITE transaction ends, an INVITE one stays (timer H or L
        // ends it).
        const bool ends = !transaction.invite;
        user_.on_server_transport_error(ServerTransaction(id), failure.error);
        if (ends && resolve(id, detail::Role::server) != nullptr) terminate(index);
        return;
    }
    switch (transaction.state) {
        case State::Calling:
        case State::Trying:
        case State::Proceeding:
            // RFC 3261 17.1.4: report and end; the TU fails over.
            fail_client(index, 503, ResponseOrigin::transport_error);
            return;
        case State::Completed:
            // The ACK was lost; the TU has its final response already.
            terminate(index);
            return;
        case State::Accepted:
        case State::Confirmed:
        case State::Terminated:
            return;
    }
}

void TransactionLayer::on_connection_closed(const transport::ConnectionClosed& closed) {
    user_.on_connection_closed(closed);
}

// ---- lookups and inspection ---------------------------------------------------------

ServerTransaction TransactionLayer::find_server(const sip::Message& request) const {
    const auto key = request_key(request);
    if (!key) return {};
    const Relation relation = request.method() == sip::Method::Ack ? Relation::ack : Relation::same;
    const std::uint32_t index = find_server_slot(*key, relation);
    return index == kNoSlot ? ServerTransaction{} : ServerTransaction(id_of(index));
}

ServerTransaction TransactionLayer::find_invite_for_cancel(const sip::Message& cancel) const {
    if (cancel.method() != sip::Method::Cancel) return {};
    const auto key = request_key(cancel);
    if (!key) return {};
    const std::uint32_t index = find_server_slot(*key, Relation::cancel);
    return index == kNoSlot ? ServerTransaction{} : ServerTransaction(id_of(index));
}

ClientTransaction TransactionLayer::find_client(const sip::Message& response) const {
    const auto via = response.top_via();
    const auto cseq = response.cseq();
    if (!via || !cseq) return {};
    const std::uint32_t index = find_client_slot(via->branch, cseq->method_text);
    if (index == kNoSlot || slots_[index].internal) return {};
    return ClientTransaction(id_of(index));
}

std::optional<State> TransactionLayer::state(ServerTransaction transaction) const {
    const Transaction* found = resolve(transaction.id(), detail::Role::server);
    if (found == nullptr) return std::nullopt;
    return found->state;
}

std::optional<State> TransactionLayer::state(ClientTransaction transaction) const {
    const Transaction* found = resolve(transaction.id(), detail::Role::client);
    if (found == nullptr || found->internal) return std::nullopt;
    return found->state;
}

std::string_view TransactionLayer::request_bytes(ServerTransaction transaction) const {
    const Transaction* found = resolve(transaction.id(), detail::Role::server);
    if (found == nullptr || found->compacted) return {};
    return found->request;
}

std::string_view TransactionLayer::request_bytes(ClientTransaction transaction) const {
    const Transaction* found = resolve(transaction.id(), detail::Role::client);
    if (found == nullptr || found->compacted || found->internal) return {};
    return found->request;
}

}  // namespace tandem::txn
