// The client state machines: INVITE (RFC 3261 17.1.1 with the Accepted state
// of RFC 6026 section 7.2) and non-INVITE (17.1.2), and CANCEL (9.1).
#include <algorithm>
#include <utility>

#include "sip/writer.h"
#include "txn/requests.h"
#include "txn/transaction_layer.h"

namespace tandem::txn {

Result<ClientTransaction> TransactionLayer::create_client(std::string request,
                                                          const transport::Endpoint& destination,
                                                          transport::SendOptions options) {
    return start_client(std::move(request), destination, options, false);
}

Result<ClientTransaction> TransactionLayer::start_client(std::string request,
                                                         const transport::Endpoint& destination,
                                                         transport::SendOptions options,
                                                         bool internal) {
    auto parsed = sip::Message::parse(request);
    if (!parsed) return make_error("Unparsable request: " + parsed.error().reason, 500);
    if (!parsed->is_request()) return make_error("Not a request", 500);
    if (parsed->method() == sip::Method::Ack) {
        return make_error("ACK is sent without a transaction", 500);
    }
    const auto via = parsed->top_via();
    if (!via) return make_error("Request has no valid Via", 500);
    if (via->branch.empty()) {
        std::string stamped(via->text);
        stamped.append(";branch=").append(branches_.next());
        sip::EditList edits(*parsed);
        edits.remove_first_value(sip::HeaderId::Via).prepend_via(stamped);
        request = edits.serialize();
        parsed = sip::Message::parse(request);
        if (!parsed) return make_error("Request with branch does not parse", 500);
    } else if (!has_magic_cookie(via->branch)) {
        return make_error("Branch lacks the magic cookie", 500);
    }
    const auto key = request_key(*parsed);
    if (!key) return make_error(key.error().reason, 500);
    if (find_client_slot(key->branch, key->method) != kNoSlot) {
        return make_error("Branch already in use", 500);
    }

    const auto allocated = allocate(detail::Role::client);
    if (!allocated) return allocated.error();
    const std::uint32_t index = *allocated;
    Transaction& transaction = slots_[index];
    transaction.internal = internal;
    transaction.invite = parsed->method() == sip::Method::Invite;
    transaction.state = transaction.invite ? State::Calling : State::Trying;
    transaction.reliable = destination.protocol == transport::Protocol::tcp;
    transaction.peer = destination;
    options.tag = transaction.send_options.tag;
    transaction.send_options = options;
    // `request` and the parsed copy have the same layout.
    transaction.key = detail::store_key(*key, parsed->bytes());
    transaction.request = std::move(request);
    transaction.hash = client_hash(key->branch, key->method);
    client_index_.insert(transaction.hash, index);

    if (Status sent = send(index, transaction.request); !sent) {
        discard(index);
        return make_error(sent.error().reason, 503);
    }
    const TimerSettings& timers = options_.timers;
    if (!slots_[index].reliable) {
        slots_[index].interval_ms = static_cast<std::uint32_t>(timers.t1.count());
        arm_retransmit(index, timers.t1);  // timer A or E
    }
    arm_deadline(index, timers.transaction_timeout());  // timer B or F
    return ClientTransaction(id_of(index));
}

Status TransactionLayer::cancel(ClientTransaction handle, std::string_view reason) {
    const Transaction* found = resolve(handle.id(), detail::Role::client);
    if (found == nullptr || found->internal) return make_error("No such transaction", 481);
    if (!found->invite) return make_error("Only an INVITE can be cancelled", 500);
    if (found->cancel_pending || found->cancel_sent) return {};
    const std::uint32_t index = handle.id().index();
    Transaction& transaction = slots_[index];
    switch (transaction.state) {
        case State::Calling:
            // 9.1: no CANCEL before a provisional response; it waits.
            transaction.cancel_pending = true;
            transaction.cancel_reason = reason;
            return {};
        case State::Proceeding:
            transaction.cancel_reason = reason;
            return send_cancel(index);
        case State::Trying:
        case State::Accepted:
        case State::Completed:
        case State::Confirmed:
        case State::Terminated:
            break;
    }
    return make_error("Final response already received", 481);
}

Status TransactionLayer::send_cancel(std::uint32_t index) {
    std::string cancel_request;
    {
        Transaction& invite = slots_[index];
        invite.cancel_pending = false;
        invite.cancel_sent = true;
        const auto request = sip::Message::parse(invite.request);
        if (!request) return make_error("Stored request does not parse", 500);
        auto built = build_cancel(*request, invite.cancel_reason);
        invite.cancel_reason = std::string();
        if (!built) return built.error();
        cancel_request = std::move(built).value();
    }
    // 9.1: without a final response 64*T1 after the CANCEL, the INVITE
    // transaction is given up. Armed even if the CANCEL cannot be sent, so
    // the TU always hears an end.
    arm_deadline(index, options_.timers.transaction_timeout());
    // Copies: start_client may grow slots_.
    const transport::Endpoint peer = slots_[index].peer;
    const transport::SendOptions options = slots_[index].send_options;
    const auto started = start_client(std::move(cancel_request), peer, options, true);
    if (!started) return started.error();
    return {};
}

void TransactionLayer::client_response(std::uint32_t index, IncomingResponse response) {
    const int status = response.message.status_code();
    const TransactionId id = id_of(index);
    Transaction& transaction = slots_[index];
    const TimerSettings& timers = options_.timers;

    if (!transaction.invite) {
        switch (transaction.state) {
            case State::Trying:
            case State::Proceeding:
                if (status < 200) {
                    // Timer E keeps running; from its next firing it uses T2.
                    transaction.state = State::Proceeding;
                } else {
                    transaction.state = State::Completed;
                    stop_timers(transaction);
                    const Duration timer_k = linger(transaction, timers.t4);
                    if (timer_k > Duration::zero()) compact(transaction);
                    arm_deadline(index, timer_k);
                }
                if (!transaction.internal)
                    user_.on_response(ClientTransaction(id), std::move(response));
                return;
            case State::Calling:
            case State::Accepted:
            case State::Completed:
            case State::Confirmed:
            case State::Terminated:
                ++stats_.retransmissions_absorbed;
                return;
        }
        return;
    }

    switch (transaction.state) {
        case State::Calling:
        case State::Proceeding:
            if (status < 200) {
                if (transaction.state == State::Calling) {
                    // No more retransmissions, and timer B only guards Calling.
                    transaction.state = State::Proceeding;
                    stop_timers(transaction);
                }
                if (transaction.cancel_pending) static_cast<void>(send_cancel(index));
            } else if (status < 300) {
                // RFC 6026: stay to pass further 2xx (retransmissions, other
                // forks) to the TU until timer M.
                transaction.state = State::Accepted;
                transaction.cancel_pending = false;
                stop_timers(transaction);
                compact(transaction);
                arm_deadline(index, timers.transaction_timeout());
            } else {
                transaction.state = State::Completed;
                transaction.cancel_pending = false;
                stop_timers(transaction);
                const auto invite = sip::Message::parse(transaction.request);
                if (invite) {
                    auto ack = build_ack(*invite, response.message);
                    if (ack) transaction.resend = std::move(ack).value();
                }
                send_best_effort(index, transaction.resend);
                const Duration timer_d = linger(transaction, timers.timer_d);
                if (timer_d > Duration::zero()) compact(transaction);
                arm_deadline(index, timer_d);
            }
            user_.on_response(ClientTransaction(id), std::move(response));
            return;
        case State::Accepted:
            if (status >= 200 && status < 300) {
                user_.on_response(ClientTransaction(id), std::move(response));
            } else {
                ++stats_.retransmissions_absorbed;
            }
            return;
        case State::Completed:
            // A retransmitted final: the ACK was lost; send it again.
            ++stats_.retransmissions_absorbed;
            if (status >= 300) send_best_effort(index, transaction.resend);
            return;
        case State::Trying:
        case State::Confirmed:
        case State::Terminated:
            ++stats_.retransmissions_absorbed;
            return;
    }
}

void TransactionLayer::client_retransmit_timer(std::uint32_t index) {
    Transaction& transaction = slots_[index];
    Duration next;
    if (transaction.invite) {
        if (transaction.state != State::Calling) return;
        // Timer A: doubles without a cap; timer B bounds it.
        next = Duration(std::uint64_t{transaction.interval_ms} * 2);
    } else if (transaction.state == State::Trying) {
        // Timer E: doubles up to T2.
        next = std::min(Duration(std::uint64_t{transaction.interval_ms} * 2), options_.timers.t2);
    } else if (transaction.state == State::Proceeding) {
        // After a provisional the peer is alive but slow: every T2.
        next = options_.timers.t2;
    } else {
        return;
    }
    ++stats_.retransmissions_sent;
    send_best_effort(index, transaction.request);
    transaction.interval_ms = static_cast<std::uint32_t>(next.count());
    arm_retransmit(index, next);
}

void TransactionLayer::client_deadline(std::uint32_t index) {
    switch (slots_[index].state) {
        case State::Calling:     // timer B
        case State::Trying:      // timer F
        case State::Proceeding:  // timer F, or the CANCEL guard of an INVITE
            ++stats_.timeouts;
            fail_client(index, 408, ResponseOrigin::timeout);
            return;
        case State::Accepted:   // timer M
        case State::Completed:  // timer D or K
        case State::Confirmed:
        case State::Terminated:
            terminate(index);
            return;
    }
}

void TransactionLayer::fail_client(std::uint32_t index, int status, ResponseOrigin origin) {
    Transaction& transaction = slots_[index];
    if (transaction.internal) {
        terminate(index);
        return;
    }
    const TransactionId id = id_of(index);
    // From here on the transaction takes nothing more from the TU (cancel()
    // fails) or the network (late responses are absorbed).
    transaction.state = State::Completed;
    transaction.cancel_pending = false;
    stop_timers(transaction);
    const auto request = sip::Message::parse(transaction.request);
    std::optional<IncomingResponse> synthetic;
    if (request) {
        auto message = sip::Message::parse(sip::response_to(*request, status).build());
        if (message) {
            synthetic.emplace(
                IncomingResponse{std::move(message).value(), transaction.peer,
                                 transaction.send_options.local.value_or(transport::Endpoint{}),
                                 transaction.send_options.connection, origin});
        }
    }
    if (synthetic) user_.on_response(ClientTransaction(id), std::move(*synthetic));
    if (resolve(id, detail::Role::client) != nullptr) terminate(index);
}

}  // namespace tandem::txn
