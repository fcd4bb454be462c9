// The server state machines: INVITE (RFC 3261 17.2.1 with the Accepted state
// of RFC 6026 section 7.1) and non-INVITE (17.2.2).
#include <algorithm>
#include <utility>

#include "sip/writer.h"
#include "txn/requests.h"
#include "txn/transaction_layer.h"

namespace tandem::txn {

Result<ServerTransaction> TransactionLayer::create_server(const IncomingRequest& request) {
    const sip::Message& message = request.message;
    if (!message.is_request() || message.method() == sip::Method::Ack) {
        return make_error("ACK creates no transaction", 500);
    }
    const auto key = request_key(message);
    if (!key) return make_error(key.error().reason, 400);
    if (find_server_slot(*key, Relation::same) != kNoSlot) {
        return make_error("Transaction exists already", 500);
    }
    const auto allocated = allocate(detail::Role::server);
    if (!allocated) return allocated.error();
    const std::uint32_t index = *allocated;
    Transaction& transaction = slots_[index];
    transaction.invite = message.method() == sip::Method::Invite;
    transaction.state = transaction.invite ? State::Proceeding : State::Trying;
    transaction.reliable = static_cast<bool>(request.connection) ||
                           request.source.protocol == transport::Protocol::tcp;
    const ResponseRoute route =
        response_route(*message.top_via(), request.source, request.local, request.connection);
    transaction.peer = route.destination;
    const std::uint64_t tag = transaction.send_options.tag;
    transaction.send_options = route.options;
    transaction.send_options.tag = tag;
    // The copy has the same layout as the message bytes, so the key's
    // offsets carry over.
    transaction.request.assign(message.bytes());
    transaction.key = detail::store_key(*key, message.bytes());
    transaction.hash = server_hash(*key, Relation::same);
    server_index_.insert(transaction.hash, index);

    if (transaction.invite && options_.send_100_trying) {
        if (options_.timers.trying_delay <= Duration::zero()) {
            send_trying(index);
        } else {
            arm_retransmit(index, options_.timers.trying_delay);
        }
    }
    return ServerTransaction(id_of(index));
}

void TransactionLayer::send_trying(std::uint32_t index) {
    Transaction& transaction = slots_[index];
    const auto request = sip::Message::parse(transaction.request);
    if (!request) return;  // cannot happen: these bytes parsed when they arrived
    transaction.resend = sip::response_to(*request, 100).build();
    send_best_effort(index, transaction.resend);
}

Status TransactionLayer::respond(ServerTransaction handle, std::string response) {
    if (resolve(handle.id(), detail::Role::server) == nullptr) {
        return make_error("No such transaction", 481);
    }
    const auto status = status_of(response);
    if (!status) return make_error("Not a SIP response", 500);
    const std::uint32_t index = handle.id().index();
    if (slots_[index].invite) return respond_invite(index, *status, std::move(response));
    return respond_non_invite(index, *status, std::move(response));
}

Status TransactionLayer::respond(ServerTransaction handle, int status, std::string_view reason,
                                 std::string_view to_tag) {
    const Transaction* transaction = resolve(handle.id(), detail::Role::server);
    if (transaction == nullptr) return make_error("No such transaction", 481);
    if (transaction->compacted) return make_error("Request no longer kept", 500);
    const auto request = sip::Message::parse(transaction->request);
    if (!request) return make_error("Stored request does not parse", 500);
    return respond(handle, sip::response_to(*request, status, reason, to_tag).build());
}

Status TransactionLayer::respond_invite(std::uint32_t index, int status, std::string response) {
    Transaction& transaction = slots_[index];
    const TimerSettings& timers = options_.timers;
    switch (transaction.state) {
        case State::Proceeding:
            // Any response from the TU makes the automatic 100 unnecessary.
            timers_.cancel(transaction.retransmit_timer);
            transaction.retransmit_timer = {};
            if (status < 200) {
                transaction.resend = std::move(response);
                return send(index, transaction.resend);
            }
            if (status < 300) {
                // RFC 6026: the TU (a UAS core, or a proxy forwarding every
                // 2xx) retransmits 2xx itself; the transaction only absorbs
                // retransmitted INVITEs until timer L.
                transaction.state = State::Accepted;
                transaction.resend = std::string();
                compact(transaction);
                arm_deadline(index, timers.transaction_timeout());
                return send(index, response);
            }
            transaction.state = State::Completed;
            transaction.resend = std::move(response);
            compact(transaction);
            if (!transaction.reliable) {
                transaction.interval_ms = static_cast<std::uint32_t>(timers.t1.count());
                arm_retransmit(index, timers.t1);  // timer G
            }
            arm_deadline(index, timers.transaction_timeout());  // timer H
            return send(index, transaction.resend);
        case State::Accepted:
            if (status >= 200 && status < 300) return send(index, response);
            return make_error("INVITE already accepted", 500);
        case State::Calling:
        case State::Trying:
        case State::Completed:
        case State::Confirmed:
        case State::Terminated:
            break;
    }
    return make_error("Transaction already completed", 500);
}

Status TransactionLayer::respond_non_invite(std::uint32_t index, int status, std::string response) {
    Transaction& transaction = slots_[index];
    if (transaction.state != State::Trying && transaction.state != State::Proceeding) {
        return make_error("Transaction already completed", 500);
    }
    transaction.resend = std::move(response);
    if (status < 200) {
        transaction.state = State::Proceeding;
        return send(index, transaction.resend);
    }
    transaction.state = State::Completed;
    const Duration timer_j = linger(transaction, options_.timers.transaction_timeout());
    if (timer_j > Duration::zero()) compact(transaction);
    arm_deadline(index, timer_j);
    return send(index, transaction.resend);
}

Status TransactionLayer::respond_stateless(const IncomingRequest& request,
                                           std::string_view response) {
    const auto via = request.message.top_via();
    if (!via) return make_error("Request has no Via", 500);
    const ResponseRoute route =
        response_route(*via, request.source, request.local, request.connection);
    Status sent = transport_.send(route.destination, response, route.options);
    if (!sent) ++stats_.transport_errors;
    return sent;
}

void TransactionLayer::server_retransmission(std::uint32_t index) {
    ++stats_.retransmissions_absorbed;
    Transaction& transaction = slots_[index];
    switch (transaction.state) {
        case State::Trying:
            return;  // nothing to repeat yet (17.2.2)
        case State::Proceeding:
            if (!transaction.resend.empty()) {
                send_best_effort(index, transaction.resend);
            } else if (transaction.invite && options_.send_100_trying) {
                // The client is retransmitting: answer now rather than when
                // the 200 ms wait ends.
                timers_.cancel(transaction.retransmit_timer);
                transaction.retransmit_timer = {};
                send_trying(index);
            }
            return;
        case State::Completed:
            send_best_effort(index, transaction.resend);
            return;
        case State::Calling:
        case State::Accepted:
        case State::Confirmed:
        case State::Terminated:
            return;  // absorbed without an answer (RFC 6026 for Accepted)
    }
}

void TransactionLayer::server_ack(std::uint32_t index, IncomingRequest ack) {
    Transaction& transaction = slots_[index];
    switch (transaction.state) {
        case State::Completed:
            // 17.2.1: the ACK stops G and H; timer I absorbs ACK
            // retransmissions.
            ++stats_.acks_absorbed;
            transaction.state = State::Confirmed;
            stop_timers(transaction);
            // Only RFC 2543 ACK matching reads the final response again
            // (for its To tag).
            if (key_of(transaction).rfc3261()) transaction.resend = std::string();
            arm_deadline(index, linger(transaction, options_.timers.t4));
            return;
        case State::Confirmed:
            ++stats_.acks_absorbed;
            return;
        case State::Accepted:
            // RFC 6026 7.1: an ACK in Accepted goes to the TU.
            user_.on_request(std::move(ack));
            return;
        case State::Calling:
        case State::Trying:
        case State::Proceeding:
        case State::Terminated:
            ++stats_.messages_dropped;  // an ACK before any final response
            return;
    }
}

void TransactionLayer::server_retransmit_timer(std::uint32_t index) {
    Transaction& transaction = slots_[index];
    if (transaction.state == State::Proceeding) {
        // The TU did not answer within trying_delay (17.2.1).
        if (transaction.resend.empty()) send_trying(index);
        return;
    }
    if (transaction.state != State::Completed) return;
    // Timer G: resend the final response, doubling the interval up to T2.
    ++stats_.retransmissions_sent;
    send_best_effort(index, transaction.resend);
    const auto t2 = static_cast<std::uint32_t>(options_.timers.t2.count());
    transaction.interval_ms = std::min(transaction.interval_ms * 2, t2);
    arm_retransmit(index, Duration(transaction.interval_ms));
}

void TransactionLayer::server_deadline(std::uint32_t index) {
    const Transaction& transaction = slots_[index];
    if (transaction.invite && transaction.state == State::Completed) {
        // Timer H: the ACK never came.
        const TransactionId id = id_of(index);
        user_.on_ack_timeout(ServerTransaction(id));
        if (resolve(id, detail::Role::server) != nullptr) terminate(index);
        return;
    }
    // Timers I (Confirmed), J (non-INVITE Completed) and L (Accepted).
    terminate(index);
}

std::string TransactionLayer::final_response_to_tag(const Transaction& transaction) const {
    if (transaction.resend.empty()) return {};
    const auto response = sip::Message::parse(transaction.resend);
    if (!response) return {};
    const auto to = response->to();
    return to ? std::string(to->tag) : std::string();
}

}  // namespace tandem::txn
