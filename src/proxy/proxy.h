// The stateful proxy of one worker: the transaction user (RFC 3261 section
// 16) that runs the routing script on every request and reply, and acts on
// what the script decided: relay statefully (a client transaction per
// branch, serial forking from failure routes), answer, or drop. It owns the
// worker's transaction layer and dialog table, tracks the dialogs the script
// asks for (create_dialog), sends Tandem's own requests into them, and ends
// them when their max_duration passes.
//
// One Proxy per worker, used on that worker's thread only. See docs/proxy.md
// for the behaviour the script sees.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "dialog/dialog_table.h"
#include "dialog/events.h"
#include "proxy/admission.h"
#include "proxy/call_hooks.h"
#include "proxy/local_addresses.h"
#include "proxy/resolver.h"
#include "proxy/transaction_slots.h"
#include "script/function.h"
#include "script/request_actions.h"
#include "script/script_host.h"
#include "sip/message.h"
#include "transport/transport.h"
#include "txn/transaction_layer.h"

namespace spdlog {
class logger;
}

namespace tandem::proxy {

struct ProxyOptions {
    txn::LayerOptions transactions;
    // The shard (worker index) this proxy serves: the top bits of its dialog
    // ids.
    std::uint16_t shard = 0;
    // max_duration of the dialogs create_dialog() makes without an explicit
    // one; 0: unlimited.
    std::chrono::seconds max_duration{0};
    // Timer C (RFC 3261 16.6 item 11): how long an INVITE branch may stay
    // without a final reply after its last provisional one before the proxy
    // cancels it (the caller then gets 408, or the failure route runs).
    // More than three minutes, as the RFC asks.
    std::chrono::seconds timer_c{181};
    // Overload caps of this worker (see admission.h); the transaction cap
    // is also the transaction layer's hard limit.
    std::size_t max_dialogs = kDefaultMaxDialogs;
    std::size_t max_unreplied_invites = kDefaultMaxUnrepliedInvites;
    // The Retry-After of the 503 that refuses a request beyond the caps.
    std::chrono::seconds retry_after{5};
};

// Counters of one proxy. Plain integers, read on the proxy's worker.
struct ProxyStats {
    std::uint64_t requests_routed = 0;    // requests the request route ran for
    std::uint64_t requests_relayed = 0;   // branches started (client transactions)
    std::uint64_t acks_relayed = 0;       // ACKs forwarded statelessly
    std::uint64_t responses_relayed = 0;  // responses forwarded upstream
    std::uint64_t local_replies = 0;      // final replies the proxy or the script made
    std::uint64_t loops_detected = 0;     // 482
    std::uint64_t too_many_hops = 0;      // 483
    std::uint64_t script_errors = 0;      // routes that raised a Lua error
    std::uint64_t cancels = 0;            // CANCELs matched and propagated
    std::uint64_t rejected_while_draining = 0;
    std::uint64_t generated_requests = 0;  // in-dialog requests Tandem sent
    std::uint64_t timer_c_expired = 0;     // INVITE branches cancelled by timer C
    // New requests refused with 503 beyond max_transactions or max_dialogs.
    std::uint64_t overload_rejected = 0;
    // ACKs of those 503s, dropped before the script.
    std::uint64_t refusal_acks_absorbed = 0;
};

// t_check_status patterns, the subset of OpenSIPS's regular expressions
// that status checks use: alternatives separated by '|', each three
// characters that are a digit or '.' (any digit), e.g. "486|408|5..".
// False for status 0 (no reply). Fails on any other pattern.
Result<bool> status_matches(int status, std::string_view pattern);

// Receives every dialog state change, with the dialog as it is after the
// change; dialog::make_state_changed_event() turns the pair into the
// E_DLG_STATE_CHANGED event (left to the sink, which may not need it).
using DialogEventSink =
    std::function<void(const dialog::Dialog& dialog, const dialog::StateChange& change)>;

// Receives the final reply to a request Tandem sent into a dialog, once.
using GeneratedReplyHandler = std::function<void(const GeneratedReply& reply)>;

class Proxy final : public txn::TransactionUser {
  public:
    // `transport` and `timers` must outlive the proxy; `local` are the
    // addresses the transport listens on.
    Proxy(transport::Transport& transport, txn::TimerWheel& timers, LocalAddresses local,
          Resolver resolver, ProxyOptions options, std::shared_ptr<spdlog::logger> logger);
    ~Proxy() override;

    Proxy(const Proxy&) = delete;
    Proxy& operator=(const Proxy&) = delete;

    // The routing script. Must be set before the first message arrives; the
    // host must outlive the proxy. Reloading the host is safe between
    // messages.
    void attach_script(script::ScriptHost& script) { script_ = &script; }
    void set_dialog_event_sink(DialogEventSink sink) { dialog_events_ = std::move(sink); }
    // Call control's view of the messages (see call_hooks.h); null for none.
    // Must outlive the proxy's use of it.
    void set_call_hooks(CallHooks* hooks) { hooks_ = hooks; }

    // What the transport delivers to (the transaction layer).
    transport::TransportHandler& transport_handler() { return transactions_; }
    txn::TransactionLayer& transactions() { return transactions_; }
    const txn::TransactionLayer& transactions() const { return transactions_; }
    dialog::DialogTable& dialogs() { return dialogs_; }
    const ProxyStats& stats() const { return stats_; }
    const LocalAddresses& local_addresses() const { return local_; }

    // Shutting down: new requests outside dialogs are answered 503; requests
    // within dialogs, CANCELs, ACKs and responses still pass.
    void stop_accepting() { draining_ = true; }
    // Transactions still running (server and client, Tandem's own included),
    // those that only linger to absorb retransmissions too.
    std::size_t transactions_in_flight() const;
    // Requests still waiting for their final answer: relayed ones whose
    // caller has no final reply yet, and Tandem's own without one. What a
    // shutdown waits for.
    std::size_t unanswered_requests() const;
    // INVITE branches relayed without any reply yet (see admission.h).
    std::size_t unreplied_invites() const { return unreplied_invites_; }

    // ---- script functions (see proxy_module.h) --------------------------
    // Each checks that it is called for the message the proxy is routing.
    Result<script::ScriptValue> t_relay(const script::CallContext& context,
                                        std::optional<std::string_view> destination);
    Result<script::ScriptValue> send_reply(const script::CallContext& context, std::int64_t status,
                                           std::string_view reason);
    // Answers the request with the status and reason of its last failed
    // t_relay() (482, 483, 478, 503 ...), or 500 when none failed.
    Result<script::ScriptValue> sl_reply_error(const script::CallContext& context);
    Result<script::ScriptValue> drop(const script::CallContext& context);
    Result<script::ScriptValue> t_on_failure(const script::CallContext& context,
                                             std::string_view route);
    Result<script::ScriptValue> t_on_reply(const script::CallContext& context,
                                           std::string_view route);
    // In reply and failure routes: the status of the reply (nil elsewhere),
    // and whether it matches a status pattern (see status_matches()).
    Result<script::ScriptValue> t_reply_code(const script::CallContext& context);
    Result<script::ScriptValue> t_check_status(const script::CallContext& context,
                                               std::string_view pattern);
    Result<script::ScriptValue> record_route(const script::CallContext& context);
    Result<script::ScriptValue> loose_route(const script::CallContext& context);
    Result<script::ScriptValue> create_dialog(const script::CallContext& context,
                                              std::optional<std::int64_t> max_duration);
    Result<script::ScriptValue> dlg_send_sequential(const script::CallContext& context,
                                                    std::string_view method, std::string_view leg,
                                                    std::string_view body,
                                                    std::string_view content_type,
                                                    std::string_view headers);

    // ---- for modules above the proxy (call control) ---------------------
    // The dialog the message of the running route belongs to: the dialog
    // an in-dialog request matched, or the one a relayed request (and its
    // replies) belongs to; nullopt otherwise.
    std::optional<dialog::DialogId> dialog_of_route(const script::CallContext& context);
    // Reports the final reply of the request being routed (request route)
    // to CallHooks::on_watched_final with `watch`. Fails when no request is
    // being routed.
    Status watch_request(const script::CallContext& context, std::uint64_t watch);

    // ---- management (MI, timers) ---------------------------------------
    // Sends an in-dialog request into a confirmed dialog of this shard
    // (dlg_send_sequential). Fails when the dialog is unknown (404), not
    // confirmed (481), busy with another offer (491) or the next hop does
    // not resolve. `on_reply` (optional) receives the request's final reply,
    // or the transaction layer's 408/503 when none comes; it is not called
    // when sending fails.
    Status send_in_dialog(dialog::DialogId id, dialog::Side towards, std::string_view method,
                          const dialog::RequestOptions& options,
                          GeneratedReplyHandler on_reply = {});
    // Cancels Tandem's own INVITE to leg `towards` of a dialog that has no
    // final reply yet (RFC 3261 section 9.1); its final reply (487, or 408
    // after 64*T1) still reaches the handler given to send_in_dialog. Fails
    // (481) when there is no such INVITE.
    Status cancel_in_dialog(dialog::DialogId id, dialog::Side towards);
    // Ends a confirmed dialog with a BYE to each leg (dlg_end_dlg; call
    // control passes EndReason::Transferred).
    Status end_dialog(dialog::DialogId id, std::string_view extra_headers = {},
                      dialog::EndReason reason = dialog::EndReason::Terminated);

    // ---- txn::TransactionUser -------------------------------------------
    void on_request(txn::IncomingRequest request) override;
    void on_response(txn::ClientTransaction transaction, txn::IncomingResponse response) override;
    void on_stray_response(txn::IncomingResponse response) override;
    void on_ack_timeout(txn::ServerTransaction transaction) override;
    void on_server_transport_error(txn::ServerTransaction transaction, const Error& error) override;
    void on_server_terminated(txn::ServerTransaction transaction) override;
    void on_client_terminated(txn::ClientTransaction transaction) override;
    void on_connection_closed(const transport::ConnectionClosed& closed) override;

  private:
    // How the request turns into a branch: what the routes asked for.
    struct RelayPlan {
        std::optional<std::string> request_uri;
        std::optional<transport::Endpoint> destination;
        std::vector<std::string> headers_to_add;
        std::vector<std::string> headers_to_remove;
        bool record_route = false;
        // When some were taken off (RFC 3261 16.4): the Route entries the
        // request keeps.
        std::optional<std::vector<std::string>> routes;
    };

    // One branch of a relayed request.
    struct Branch {
        txn::ClientTransaction transaction;
        transport::Endpoint destination;
        std::optional<sip::Message> final_reply;  // kept until the best one is chosen
        int final_status = 0;                     // 0 while no final reply
        bool synthetic = false;                   // the final came from the transaction layer
        bool provisional = false;                 // a 1xx arrived
        txn::TimerId timer_c;                     // INVITE branches, until their final
        bool awaiting_reply = false;              // INVITE: no reply of any kind yet
    };

    // The response context of a relayed request (RFC 3261 16.7): its
    // server transaction, its branches, and what the routes asked for.
    struct Relay {
        txn::ServerTransaction server;
        std::optional<txn::IncomingRequest> request;  // set once the request route returned
        RelayPlan plan;
        std::vector<Branch> branches;
        std::string failure_route;  // armed with t_on_failure
        std::string reply_route;    // armed with t_on_reply
        std::string to_tag;         // of the replies the proxy makes itself
        dialog::DialogId dialog = 0;
        bool dialog_creator = false;                  // the initial INVITE of `dialog`
        dialog::Side towards = dialog::Side::Callee;  // in-dialog: the leg it goes to
        dialog::CSeqRewrite cseq;                     // in-dialog: CSeq as sent and as received
        bool cancelled = false;
        bool final_sent = false;
        bool server_alive = true;
        std::uint32_t live_branches = 0;
        std::uint64_t watch = 0;  // CallHooks::on_watched_final, until reported
    };

    // A request Tandem sent into a dialog on its own.
    struct Generated {
        dialog::DialogId dialog = 0;
        dialog::Side towards = dialog::Side::Callee;
        std::uint32_t cseq = 0;
        sip::Method method = sip::Method::Other;
        transport::Endpoint destination;
        transport::SendOptions send_options;
        txn::ClientTransaction transaction;
        std::string ack;        // the ACK of a 2xx to a re-INVITE, resent for its retransmissions
        bool answered = false;  // a final response arrived
        GeneratedReplyHandler on_reply;
    };

    // The route running now, and what its script functions decided.
    struct RouteFrame {
        script::RouteKind kind = script::RouteKind::Request;
        const sip::Message* message = nullptr;  // the msg of the route
        script::RequestActions* actions = nullptr;
        txn::IncomingRequest* request = nullptr;  // request route
        Relay* relay = nullptr;                   // failure route; request route once relayed
        RelayPlan plan;
        txn::ServerTransaction server;  // request route: made by send_reply or t_relay
        std::optional<dialog::DialogMatch> in_dialog;
        std::optional<Error> relay_error;
        // Route entries the request arrived with (loose_route()).
        std::size_t received_routes = 0;
        std::string failure_route;
        std::string reply_route;
        // Reply and failure routes: the status of the reply they run for.
        int reply_status = 0;
        std::optional<std::chrono::seconds> dialog_max_duration;
        bool create_dialog = false;
        bool relayed = false;
        bool final_replied = false;
        std::uint64_t watch = 0;  // from the call hooks' verdict
    };

    // Where a relayed request goes and how its Request-URI and Route look.
    struct Target {
        std::string request_uri;
        std::optional<std::vector<std::string>> routes;  // nullopt: unchanged
        transport::Endpoint destination;
        transport::Endpoint listener;
    };

    struct DialogTimers {
        txn::TimerId expiry;
        dialog::TimePoint expiry_at{};
        txn::TimerId linger;
    };

    // ---- requests -----------------------------------------------------
    // A new request beyond the caps: answered 503 without state. True when
    // refused.
    bool refuse_if_overloaded(const txn::IncomingRequest& request);
    void route_request(txn::IncomingRequest& request);
    void finish_request_route(RouteFrame& frame, txn::IncomingRequest& request,
                              const script::RouteOutcome& outcome);
    void report_unrelayed_watch(const RouteFrame& frame, const txn::IncomingRequest& request);
    void handle_cancel(txn::IncomingRequest& cancel);
    Status relay_from_frame(RouteFrame& frame, std::optional<std::string_view> destination);
    Status start_branch(Relay& relay, const txn::IncomingRequest& request, const RelayPlan& plan,
                        std::optional<dialog::DialogMatch> in_dialog, bool create_dialog,
                        std::optional<std::chrono::seconds> max_duration);
    Status relay_ack(RouteFrame& frame, const RelayPlan& plan);
    Result<Target> plan_target(const txn::IncomingRequest& request, const RelayPlan& plan) const;
    Status check_forwardable(const txn::IncomingRequest& request) const;
    std::string build_relayed(const txn::IncomingRequest& request, const RelayPlan& plan,
                              const Target& target, std::string_view branch,
                              const std::optional<dialog::RequestOutcome>& in_dialog) const;
    std::uint8_t own_record_routes(const txn::IncomingRequest& request, const Target& target,
                                   bool record_route) const;
    std::string make_branch(const sip::Message& request);
    Status reply(RouteFrame& frame, int status, std::string_view reason);
    Result<txn::ServerTransaction> server_for(RouteFrame& frame);
    Relay& relay_for(RouteFrame& frame);

    // ---- responses ----------------------------------------------------
    void relay_response(Relay& relay, Branch& branch, txn::IncomingResponse& response);
    void complete(Relay& relay);
    bool run_failure_route(Relay& relay, const sip::Message& best);
    void forward_upstream(Relay& relay, const sip::Message& response, int status_override = 0);
    void answer_locally(Relay& relay, int status, std::string_view reason = {});
    void mark_answered(Relay& relay);
    // Tells the call hooks the final reply of a watched relay, once.
    void report_final(Relay& relay, int status, std::string_view reason);
    void start_timer_c(Relay& relay, Branch& branch);
    // The branch's first reply (or its end without one): it no longer counts
    // as unreplied.
    void note_replied(Branch& branch);
    void on_timer_c(txn::ServerTransaction server, txn::ClientTransaction client);
    void forward_stateless(const sip::Message& response);
    void update_dialog_on_reply(Relay& relay, const sip::Message& response,
                                const transport::Endpoint& source,
                                transport::ConnectionId connection);
    void on_generated_response(txn::ClientTransaction transaction, Generated& generated,
                               txn::IncomingResponse& response);
    bool run_reply_route(txn::IncomingResponse& response, Relay* relay);

    // ---- dialogs ------------------------------------------------------
    Status send_generated(dialog::Dialog& dialog, dialog::GeneratedRequest request,
                          GeneratedReplyHandler on_reply = {});
    Result<transport::Endpoint> generated_destination(
        const dialog::GeneratedRequest& request) const;
    std::string with_via(std::string_view text, const transport::Endpoint& destination,
                         std::string_view branch) const;
    void refresh_dialog_timers(dialog::Dialog& dialog);
    void on_dialog_expiry(dialog::DialogId id);
    void on_dialog_linger(dialog::DialogId id);
    void emit(const dialog::Dialog& dialog, const std::optional<dialog::StateChange>& change);
    dialog::Dialog* dialog_of(const Relay& relay);

    // ---- bookkeeping --------------------------------------------------
    Relay* find_relay(txn::ServerTransaction server);
    void release_relay_if_done(txn::ServerTransaction server);
    RouteFrame* frame_for(const script::CallContext& context);
    script::RouteOutcome run_route(RouteFrame& frame, script::RouteKind kind,
                                   const script::RoutedMessage& routed,
                                   std::string_view named_route = {});
    std::string new_tag();
    dialog::TimePoint now() const { return timers_.clock().now(); }

    transport::Transport& transport_;
    txn::TimerWheel& timers_;
    LocalAddresses local_;
    Resolver resolver_;
    ProxyOptions options_;
    std::shared_ptr<spdlog::logger> logger_;
    txn::TransactionLayer transactions_;
    dialog::DialogTable dialogs_;
    script::ScriptHost* script_ = nullptr;
    DialogEventSink dialog_events_;
    CallHooks* hooks_ = nullptr;

    // Relays by server transaction; the relay of each branch and Tandem's
    // own requests by client transaction. Relays and generated requests are
    // heap nodes: references to them stay valid while others come and go.
    TransactionSlots<std::unique_ptr<Relay>> relays_;
    TransactionSlots<txn::ServerTransaction> relay_of_branch_;
    TransactionSlots<std::unique_ptr<Generated>> generated_;
    std::unordered_map<dialog::DialogId, DialogTimers> dialog_timers_;

    RouteFrame* frame_ = nullptr;
    std::uint64_t tag_seed_;
    std::uint64_t tag_counter_ = 0;
    bool draining_ = false;
    std::size_t unreplied_invites_ = 0;  // INVITE branches without any reply yet
    ProxyStats stats_;
};

}  // namespace tandem::proxy
