// The RFC 3261 section 17 transaction layer of one worker: the INVITE and
// non-INVITE client and server transactions (with the Accepted states of
// RFC 6026), their timers, retransmission absorption, the ACK for non-2xx
// finals, CANCEL, and the receive path that parses, validates and matches
// every message the transport delivers.
//
// One instance per worker, on that worker's thread only; it is the worker
// transport's TransportHandler and uses the worker's TimerWheel. See
// docs/txn.md for the state machines, timers, matching rules and limits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "sip/message.h"
#include "transport/endpoint.h"
#include "transport/transport.h"
#include "txn/branch.h"
#include "txn/handles.h"
#include "txn/matching.h"
#include "txn/settings.h"
#include "txn/state.h"
#include "txn/stats.h"
#include "txn/timer_wheel.h"
#include "txn/transaction.h"
#include "txn/transaction_index.h"
#include "txn/transaction_user.h"
#include "txn/via.h"

namespace tandem::txn {

class TransactionLayer final : public transport::TransportHandler {
  public:
    // `transport`, `timers` and `user` must outlive the layer.
    TransactionLayer(transport::Transport& transport, TimerWheel& timers, TransactionUser& user,
                     LayerOptions options = {});
    // Cancels the timers of the transactions still alive; tells the TU
    // nothing.
    ~TransactionLayer() override;

    TransactionLayer(const TransactionLayer&) = delete;
    TransactionLayer& operator=(const TransactionLayer&) = delete;

    // ---- receive path (the worker's transport calls these) --------------

    // Parses the message (unparsable: dropped and counted). Requests: stamps
    // received/rport into the top Via, validates (invalid: answered
    // statelessly with the reason, e.g. "400 Missing CSeq", when Via, From,
    // To, Call-ID and CSeq are usable and it is no ACK; otherwise dropped and
    // counted), then hands it to its server transaction or to the TU.
    // Responses: validated (invalid: dropped), then to the client
    // transaction or, matching none, to the TU as a stray.
    void on_message(const transport::ReceivedMessage& message) override;
    // A send that the transport accepted failed later; SendFailure::tag names
    // the transaction. Client transactions before their final response report
    // a synthetic 503 and end; server transactions tell the TU.
    void on_send_failed(const transport::SendFailure& failure) override;
    // Passed to the TU.
    void on_connection_closed(const transport::ConnectionClosed& closed) override;

    // ---- server transactions --------------------------------------------

    // Starts the server transaction of a request the TU got in on_request.
    // INVITE: Proceeding (and 100 Trying after TimerSettings::trying_delay
    // unless the TU answers first and LayerOptions::send_100_trying is
    // off); others: Trying. The request's bytes are copied; the TU may drop
    // its IncomingRequest afterwards. Errors: ACK (never has a transaction),
    // a transaction for this request exists already, the table is full (503).
    Result<ServerTransaction> create_server(const IncomingRequest& request);

    // Sends a response (whole message text) on a server transaction and moves
    // its state machine: 1xx keeps it Proceeding; for INVITE a 2xx moves it
    // to Accepted (later 2xx, i.e. retransmissions and other forks' 2xx from
    // a proxy, are sent as they come; the TU retransmits its own 2xx), a
    // 300-699 to Completed (timer G retransmits it over UDP until the ACK);
    // for non-INVITE a final moves it to Completed. Errors: stale handle
    // (481), text without a status line, a response the state does not allow
    // (a final after a final; anything but 2xx after a 2xx). A send error is
    // returned, but the state has moved: the response counts as sent, and a
    // retransmitted request or timer G tries it again.
    Status respond(ServerTransaction transaction, std::string response);
    // Same with a response built from the transaction's request by
    // sip::response_to (Via, From, To with `to_tag`, Call-ID, CSeq). Only
    // while the transaction keeps its request: before its final response.
    Status respond(ServerTransaction transaction, int status, std::string_view reason = {},
                   std::string_view to_tag = {});
    // Sends a response to a request without a transaction (a stateless
    // reply), to where response_route() says.
    Status respond_stateless(const IncomingRequest& request, std::string_view response);

    // The server transaction `request` belongs to (an ACK: its INVITE's),
    // or an empty handle.
    ServerTransaction find_server(const sip::Message& request) const;
    // The INVITE server transaction a CANCEL cancels (RFC 3261 9.2), or an
    // empty handle. The proxy answers the CANCEL (its own transaction) and
    // the INVITE (487) itself.
    ServerTransaction find_invite_for_cancel(const sip::Message& cancel) const;

    // ---- client transactions --------------------------------------------

    // Sends a request (whole message text, not ACK) to `destination` and
    // starts its client transaction: INVITE Calling (timers A and B),
    // others Trying (E and F); no A/E over TCP. The top Via must carry an
    // RFC 3261 branch ("z9hG4bK...") or no branch at all, in which case one
    // is generated and appended to it (read it back with request_bytes()).
    // options.tag is replaced by the transaction's id. Errors: bytes that are
    // not a request with Via, From, To, Call-ID and CSeq; ACK; a branch
    // without the magic cookie or already in use for this method; the table
    // is full (503); the transport refused the message (503; no transaction
    // is left behind and the TU hears nothing more of it).
    Result<ClientTransaction> create_client(std::string request,
                                            const transport::Endpoint& destination,
                                            transport::SendOptions options = {});

    // Cancels an INVITE client transaction (RFC 3261 9.1): sends a CANCEL
    // (own transaction, run by the layer; its responses are absorbed) at once
    // when a provisional has arrived, or when the first one arrives; never
    // once a final has arrived. If the INVITE then gets no final response
    // within 64*T1, the TU receives a synthetic 408 and the transaction ends.
    // `reason` is the value of a Reason header (RFC 3326) for the CANCEL.
    // Calling it again is harmless. Errors: stale handle or a final already
    // received (481), not an INVITE, the CANCEL could not be sent.
    Status cancel(ClientTransaction transaction, std::string_view reason = {});

    // The client transaction a response belongs to, or an empty handle.
    ClientTransaction find_client(const sip::Message& response) const;

    // A fresh branch ("z9hG4bK" + 16 hex digits) for a request the TU builds.
    std::string new_branch() { return branches_.next(); }

    // ---- inspection -------------------------------------------------------

    // nullopt for a stale handle.
    std::optional<State> state(ServerTransaction transaction) const;
    std::optional<State> state(ClientTransaction transaction) const;
    bool alive(ServerTransaction transaction) const { return state(transaction).has_value(); }
    bool alive(ClientTransaction transaction) const { return state(transaction).has_value(); }
    // The request bytes (server: as received with the stamped Via; client:
    // as sent); empty for a stale handle and once the transaction has its
    // final response (then only the matching fields are kept).
    std::string_view request_bytes(ServerTransaction transaction) const;
    std::string_view request_bytes(ClientTransaction transaction) const;

    const TransactionStats& stats() const { return stats_; }
    const LayerOptions& options() const { return options_; }

  private:
    using Transaction = detail::Transaction;
    static constexpr std::uint32_t kNoSlot = TransactionIndex::kNoSlot;

    // ---- table ----
    const Transaction* resolve(TransactionId id, detail::Role role) const;
    TransactionId id_of(std::uint32_t index) const;
    Result<std::uint32_t> allocate(detail::Role role);
    void discard(std::uint32_t index);    // frees the slot; tells nobody
    void terminate(std::uint32_t index);  // discard + on_*_terminated
    RequestKey key_of(const Transaction& transaction) const;
    void compact(Transaction& transaction);
    std::uint32_t find_server_slot(const RequestKey& key, Relation relation) const;
    std::uint32_t find_client_slot(std::string_view branch, std::string_view method) const;

    // ---- sending and timers ----
    Status send(std::uint32_t index, std::string_view bytes);
    void send_best_effort(std::uint32_t index, std::string_view bytes);
    void arm_retransmit(std::uint32_t index, Duration delay);
    void arm_deadline(std::uint32_t index, Duration delay);
    void stop_timers(Transaction& transaction);
    void on_retransmit_timer(TransactionId id);
    void on_deadline_timer(TransactionId id);
    Duration linger(const Transaction& transaction, Duration unreliable) const;

    // ---- receive path ----
    void receive_request(sip::Message request, const transport::ReceivedMessage& received);
    void receive_response(sip::Message response, const transport::ReceivedMessage& received);
    void answer_invalid(const sip::Message& request, const transport::ReceivedMessage& received,
                        const Error& error);
    // A request Message::parse refused, or whose From, To or CSeq does not
    // parse: answered from a line scan of its bytes when its Via and the
    // headers a response copies are there, else dropped (counted either way).
    void answer_unparsed(std::string_view bytes, const transport::ReceivedMessage& received,
                         const Error& error);

    // ---- server state machines (server_transaction.cc) ----
    void send_trying(std::uint32_t index);
    Status respond_invite(std::uint32_t index, int status, std::string response);
    Status respond_non_invite(std::uint32_t index, int status, std::string response);
    void server_retransmission(std::uint32_t index);
    void server_ack(std::uint32_t index, IncomingRequest ack);
    void server_retransmit_timer(std::uint32_t index);
    void server_deadline(std::uint32_t index);
    std::string final_response_to_tag(const Transaction& transaction) const;

    // ---- client state machines (client_transaction.cc) ----
    Result<ClientTransaction> start_client(std::string request,
                                           const transport::Endpoint& destination,
                                           transport::SendOptions options, bool internal);
    Status send_cancel(std::uint32_t index);
    void client_response(std::uint32_t index, IncomingResponse response);
    void client_retransmit_timer(std::uint32_t index);
    void client_deadline(std::uint32_t index);
    void fail_client(std::uint32_t index, int status, ResponseOrigin origin);

    transport::Transport& transport_;
    TimerWheel& timers_;
    TransactionUser& user_;
    LayerOptions options_;
    BranchGenerator branches_;
    std::vector<Transaction> slots_;
    std::vector<std::uint32_t> free_slots_;
    TransactionIndex server_index_;
    TransactionIndex client_index_;
    TransactionStats stats_;
};

}  // namespace tandem::txn
