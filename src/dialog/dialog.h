// One dialog of a proxied call, as the proxy sees it: the caller leg (who
// sent the initial INVITE) and the callee leg (who answered it), each with
// what Tandem needs to send requests into the dialog in that leg's name or
// towards it. The proxy drives it with the messages it relays; the dialog
// never sends anything and owns no timer. It tells the proxy what changed
// (state transitions, CSeq rewrites) and exposes its deadlines.
//
// The Dialog is the INVITE usage of the dialog (RFC 5057): the session and
// its offer/answer state. Other usages (the REFER subscription of a transfer)
// belong to the modules that create them and refer to the dialog by id.
//
// A Dialog belongs to the worker shard that owns its Call-ID; it is not
// synchronised.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "dialog/cseq_space.h"
#include "dialog/packed_texts.h"
#include "dialog/types.h"
#include "dialog/variables.h"
#include "sip/message.h"

namespace tandem::dialog {

inline constexpr std::chrono::seconds kDefaultLinger{32};
// Forked early dialogs tracked at once; replies from further branches still
// pass but are not tracked.
inline constexpr std::size_t kMaxEarlyDialogs = 16;

struct DialogOptions {
    // How many Record-Route entries Tandem adds to the initial INVITE (two
    // when it changes transport or interface). Needed to tell the callee's
    // route set apart from the caller's in the replies.
    std::uint8_t own_record_routes = 1;
    // The longest a confirmed call may last, counted from its 2xx; 0 for no
    // limit. See expiry_deadline().
    std::chrono::seconds max_duration{0};
    // How long an ended dialog stays to route retransmissions and late
    // requests before the proxy erases it (64*T1, as timer J). See
    // linger_deadline().
    std::chrono::seconds linger = kDefaultLinger;
};

// A read-only view of one leg. Views point into the Dialog: valid until the
// Dialog next changes.
struct LegView {
    std::string_view tag;  // the leg's own tag (From tag of the caller, To tag of the callee)
    // The URIs of the dialog as this leg knows them (its From and To): its
    // own, and its peer's. Tandem's requests towards this leg use them.
    std::string_view uri;
    std::string_view peer_uri;
    std::string_view contact;  // the leg's remote target (its Contact URI)
    // The route set requests towards this leg follow from Tandem, as Route
    // header values in order, comma separated; empty when none.
    std::string_view route_set;
    Destination destination;  // as the proxy last reported it
    // The highest CSeq number this leg has sent.
    std::uint32_t last_cseq = 0;
    // Added to the CSeq of requests relayed towards this leg.
    std::uint32_t cseq_offset = 0;
    // How many requests Tandem generated towards this leg.
    std::uint32_t generated_requests = 0;
    // The SDP last sent towards this leg and the SDP last received from it,
    // each from a completed offer/answer exchange; empty when none.
    std::string_view sdp_sent;
    std::string_view sdp_received;
};

// The proxy's account of a message it relayed, where the message it sent
// differs from the one it received.
struct RelayedBody {
    // The body as relayed when the script changed it (a media relay rewrote
    // the SDP); nullopt when relayed as received.
    std::optional<std::string_view> body;
};

// What a reply to the initial INVITE did.
struct ReplyOutcome {
    std::optional<StateChange> state_change;
    OfferAnswer offer_answer = OfferAnswer::None;
    // A 2xx from a second forked branch after the dialog was confirmed with
    // another one: relayed to the caller (RFC 3261 section 16.7) but not
    // tracked; the caller will ACK and BYE it.
    bool untracked_fork = false;
};

// What an in-dialog request did, and how to relay it.
struct RequestOutcome {
    Side towards = Side::Callee;
    CSeqRewrite cseq;  // keep with the transaction for the replies
    // The RAck value a PRACK must carry when the INVITE it refers to was
    // renumbered; nullopt when it goes out unchanged.
    std::optional<std::string> rack;
    std::optional<StateChange> state_change;
    OfferAnswer offer_answer = OfferAnswer::None;
};

// A request Tandem sends into the dialog. `text` is complete, with a Via
// when RequestOptions::via was given.
struct GeneratedRequest {
    Side towards = Side::Callee;
    std::string method;
    std::uint32_t cseq = 0;
    std::string request_uri;
    // Where the request goes first: the first route's URI, or the
    // Request-URI when the route set is empty (RFC 3261 section 8.1.2).
    std::string next_hop;
    std::string destination;  // the leg's Destination, as reported
    std::uint64_t connection_id = 0;
    std::string text;
};

struct RequestOptions {
    // The Via the request carries (the caller makes the branch); none when
    // empty, and then the caller must add one before sending.
    std::string_view via;
    std::string_view content_type;  // required with a body
    std::string_view body;
    // Further header lines, "Name: value" each, separated by CRLF or LF.
    std::string_view extra_headers;
    std::uint32_t max_forwards = 70;
    // Whether an SDP body (a re-INVITE or UPDATE offer, an ACK answer) is
    // tracked as an offer/answer with the leg like a relayed one: committed
    // as the SDP sent to the leg on success. Call control sending a
    // temporary SDP it does not want remembered passes false.
    bool track_sdp = true;
};

// The BYEs that end a confirmed dialog from the server side.
struct Termination {
    StateChange state_change;
    GeneratedRequest bye_to_caller;
    GeneratedRequest bye_to_callee;
};

class Dialog {
  public:
    // The dialog of an initial INVITE received from the caller, who is
    // reached at `caller`. Fails (400) when the INVITE lacks what a dialog
    // needs: Call-ID, From tag, a parsable CSeq, Contact and Record-Route.
    // `relayed` names the INVITE's body as relayed when the script changed it.
    static Result<Dialog> from_initial_invite(DialogId id, const sip::Message& invite,
                                              Destination caller, TimePoint now,
                                              const DialogOptions& options = {},
                                              const RelayedBody& relayed = {});

    Dialog(Dialog&&) noexcept = default;
    Dialog& operator=(Dialog&&) noexcept = default;
    Dialog(const Dialog&) = delete;
    Dialog& operator=(const Dialog&) = delete;
    ~Dialog() = default;

    // ---- identity and state -----------------------------------------------
    DialogId id() const { return id_; }
    std::string_view call_id() const { return field(Field::CallId); }
    State state() const { return state_; }
    bool is_confirmed() const {
        return state_ == State::ConfirmedNoAck || state_ == State::Confirmed;
    }
    bool is_ended() const { return state_ == State::Deleted; }
    EndReason end_reason() const { return end_reason_; }
    // The status of the final reply that ended the dialog (Failed,
    // Cancelled); 0 otherwise.
    int final_status() const { return final_status_; }
    TimePoint created_at() const { return created_at_; }
    std::optional<TimePoint> confirmed_at() const;
    std::optional<TimePoint> ended_at() const;

    // ---- legs -------------------------------------------------------------
    // While early, the callee is the early dialog that replied last.
    LegView leg(Side side) const;
    // Early dialogs tracked while unconfirmed (forking); 0 once confirmed.
    std::size_t early_dialog_count() const { return early_.size(); }
    // The proxy learnt a new way to reach a leg (e.g. a new TCP connection).
    Status set_destination(Side side, Destination destination);

    // ---- matching (RFC 3261 section 12.2.2) --------------------------------
    // Which leg sent an in-dialog request with these identifiers: the caller
    // when From tag = caller tag and To tag = callee tag (or a tracked early
    // callee tag), the callee the other way round; nullopt when they match
    // no leg (wrong Call-ID, tag, or no To tag).
    std::optional<Side> sender(std::string_view call_id, std::string_view from_tag,
                               std::string_view to_tag) const;
    std::optional<Side> sender_of(const sip::Message& request) const;

    // ---- the initial INVITE transaction -----------------------------------
    // A reply to the initial INVITE that the proxy relays to the caller,
    // from the branch reached at `callee`: a 1xx with a To tag makes (or
    // updates) an early dialog, a 2xx confirms the dialog with that branch,
    // a final failure ends the dialog. Call it for the failure that is
    // relayed, not for one that triggers a new branch (see branch_failed()).
    Result<ReplyOutcome> on_reply(const sip::Message& reply, Destination callee, TimePoint now,
                                  const RelayedBody& relayed = {});
    // A branch failed with `reply` while the transaction goes on (other
    // branches, or a failure route): forget its early dialog.
    void branch_failed(const sip::Message& reply);
    // A CANCEL for the initial INVITE passed; the dialog ends with the 487
    // unless a 2xx gets there first.
    void on_cancel();
    // The initial INVITE's transaction is over. A dialog still unconfirmed
    // or early then never will be (nothing else carries its 2xx): it ends
    // as failed (cancelled after a CANCEL) with status 408, so that an
    // INVITE whose final reply was lost does not leave its dialog behind.
    // Nothing for a confirmed or ended dialog.
    std::optional<StateChange> invite_ended(TimePoint now);

    // ---- in-dialog requests ------------------------------------------------
    // An in-dialog request from `from` that the proxy is about to relay
    // (after the script, so `relayed` can name a changed body). Records the
    // CSeq, tracks offers and answers, refreshes the sender's target, ends
    // the dialog on BYE and confirms it on the ACK for the 2xx; returns the
    // CSeq the request must go out with.
    Result<RequestOutcome> on_request(const sip::Message& request, Side from, TimePoint now,
                                      const RelayedBody& relayed = {});
    // A reply from leg `from` to an in-dialog request, relayed or generated:
    // commits or discards the offer/answer it concerns and refreshes the
    // replier's target on a 2xx to a re-INVITE or UPDATE. The CSeq of a
    // relayed reply is restored from the request's CSeqRewrite.
    Result<ReplyOutcome> on_request_reply(const sip::Message& reply, Side from,
                                          const RelayedBody& relayed = {});
    // A request towards `towards` (relayed, or generated) with this CSeq, as
    // the leg numbers it, ended without a reply (its transaction timed out
    // or could not be sent): same as a failure reply.
    OfferAnswer request_failed(Side towards, std::uint32_t cseq, sip::Method method);

    // ---- requests Tandem sends ---------------------------------------------
    // An in-dialog request towards `towards` in the name of its peer (what
    // OpenSIPS's dlg_send_sequential does): Request-URI and Route from the
    // leg's target and route set (strict routing handled as RFC 3261 section
    // 12.2.1.1 says), From/To with the URIs and tags as the leg knows them,
    // the next CSeq of the leg, the peer's Contact. Any method but ACK,
    // CANCEL and BYE (see build_ack(), terminate()). Fails with 481 unless
    // the dialog is confirmed, and with 491 for an INVITE or UPDATE while an
    // offer/answer exchange is pending.
    Result<GeneratedRequest> build_request(Side towards, std::string_view method,
                                           const RequestOptions& options = {});
    // The ACK for a 2xx to a re-INVITE Tandem generated with CSeq `cseq`.
    // A body answers an offer the 2xx carried: pass the 2xx to
    // on_request_reply() first so the offer is known. Without a body, a
    // pending exchange of that re-INVITE is closed unanswered.
    Result<GeneratedRequest> build_ack(Side towards, std::uint32_t cseq,
                                       const RequestOptions& options = {});

    // ---- lifetime -----------------------------------------------------------
    std::chrono::seconds max_duration() const { return std::chrono::seconds(max_duration_s_); }
    void set_max_duration(std::chrono::seconds max_duration);
    // When a confirmed dialog with a max_duration expires (its 2xx plus
    // max_duration); nullopt when unlimited, unconfirmed or ended.
    std::optional<TimePoint> expiry_deadline() const;
    // When an ended dialog may be erased; nullopt while it lives.
    std::optional<TimePoint> linger_deadline() const;
    // The max_duration timer fired: ends the dialog (EndReason::Timeout) and
    // returns a BYE for each leg. Fails when the deadline is not reached
    // (the proxy reschedules from expiry_deadline()) or the dialog is not
    // confirmed.
    Result<Termination> expire(TimePoint now, const RequestOptions& options = {});
    // Ends a confirmed dialog from the script or MI (dlg_end_dlg), with a BYE
    // for each leg. `options` (extra headers such as Reason) apply to both.
    // `reason` is Terminated, or Transferred when call control ends a call
    // whose transfer succeeded.
    Result<Termination> terminate(TimePoint now, const RequestOptions& options = {},
                                  EndReason reason = EndReason::Terminated);

    // ---- variables ----------------------------------------------------------
    Variables& variables() { return variables_; }
    const Variables& variables() const { return variables_; }

    // ---- memory --------------------------------------------------------------
    // Heap bytes this dialog holds beyond sizeof(Dialog).
    std::size_t heap_bytes() const;
    // Bytes of texts it stores, SDP bodies included, each distinct text once.
    std::size_t text_bytes() const { return texts_.size(); }

  private:
    // Every text of the dialog, one slot each in texts_.
    enum class Field : std::uint8_t {
        CallId,
        CallerTag,
        CallerUri,
        CallerPeerUri,
        CallerContact,
        CallerRoutes,
        CallerAddress,
        CallerSdpSent,
        CallerSdpReceived,
        CalleeTag,
        CalleeUri,
        CalleePeerUri,
        CalleeContact,
        CalleeRoutes,
        CalleeAddress,
        CalleeSdpSent,
        CalleeSdpReceived,
        OfferReceived,   // a pending offer, as it arrived
        OfferRelayed,    // the same, as it went on
        AnswerReceived,  // an answer waiting for its 2xx (a 1xx answer)
        AnswerRelayed,
        Count,
    };
    // The per-leg fields, in the order CallerTag..CallerSdpReceived.
    enum class LegField : std::uint8_t {
        Tag,
        Uri,
        PeerUri,
        Contact,
        Routes,
        Address,
        SdpSent,
        SdpReceived,
    };
    static constexpr std::size_t kFieldCount = static_cast<std::size_t>(Field::Count);

    struct Leg {
        std::uint64_t connection_id = 0;
        // Requests towards this leg: relayed from the peer and generated.
        CSeqSpace towards;
    };

    // A forked branch's early dialog, before a 2xx picks the winner. Plain
    // strings: early dialogs are few and short-lived.
    struct EarlyDialog {
        std::string tag;
        std::string contact;
        std::string routes;
        std::string address;
        std::uint64_t connection_id = 0;
        std::string sdp;              // the answer in its 1xx, if any
        std::string sdp_relayed;      // the same as relayed, when it differed
        std::uint32_t last_cseq = 0;  // the highest CSeq of its own requests
        bool sent_request = false;
    };

    // The offer/answer exchange in progress (RFC 3264).
    struct Negotiation {
        enum class Phase : std::uint8_t {
            None,
            OfferInRequest,  // the answer comes in a reply
            OfferExpected,   // an INVITE without body: its 2xx must carry the offer
            OfferInReply,    // a 2xx carried the offer; the answer comes in the ACK
        };
        Phase phase = Phase::None;
        Side offerer = Side::Caller;  // for a generated offer: the impersonated side
        // The leg the transaction's request went to (its replies come from it).
        Side target = Side::Callee;
        // Tandem's own request: only the SDPs of the target leg change.
        bool generated = false;
        sip::Method method = sip::Method::Invite;
        // The CSeq of the transaction as the target leg numbers it.
        std::uint32_t cseq = 0;
    };

    enum Flag : std::uint8_t {
        kWasConfirmed = 1 << 0,
        kCancelled = 1 << 1,
        kInvitePending = 1 << 2,  // a re-INVITE (relayed or generated) awaits its final reply
    };

    explicit Dialog(DialogId id) : id_(id) {}

    static constexpr std::size_t index(Field field) { return static_cast<std::size_t>(field); }
    static Field leg_field(Side side, LegField field);
    std::string_view field(Field field) const { return texts_.view(refs_[index(field)]); }
    std::string_view field(Side side, LegField which) const {
        return field(leg_field(side, which));
    }
    Status assign(std::span<const PackedTexts::Change> changes);

    Leg& leg_state(Side side) { return legs_[side == Side::Caller ? 0 : 1]; }
    const Leg& leg_state(Side side) const { return legs_[side == Side::Caller ? 0 : 1]; }
    EarlyDialog* find_early(std::string_view tag);
    const EarlyDialog* latest_early() const;
    bool has(Flag flag) const { return (flags_ & flag) != 0; }
    void set(Flag flag, bool on);

    StateChange move_to(State state);
    void end(EndReason reason, TimePoint now, int status = 0);

    Result<ReplyOutcome> on_provisional(const sip::Message& reply, Destination callee,
                                        const RelayedBody& relayed);
    Result<ReplyOutcome> on_success(const sip::Message& reply, Destination callee, TimePoint now,
                                    const RelayedBody& relayed);
    Result<ReplyOutcome> on_failure(const sip::Message& reply, TimePoint now);

    // Offer/answer bookkeeping.
    Result<OfferAnswer> record_offer(const Negotiation& negotiation, std::string_view offer,
                                     std::string_view offer_relayed);
    void expect_offer(const Negotiation& negotiation);
    Result<OfferAnswer> record_answer(std::string_view answer, std::string_view answer_relayed);
    Result<OfferAnswer> commit(std::string_view answer, std::string_view answer_relayed);
    OfferAnswer discard_negotiation();
    // Whether a reply from `replier` with this CSeq belongs to the pending
    // exchange.
    bool concerns_negotiation(Side replier, std::uint32_t cseq, sip::Method method) const;
    Result<std::string> callee_route_set(const sip::Message& reply) const;

    Result<GeneratedRequest> make_request(Side towards, std::string_view method, std::uint32_t cseq,
                                          const RequestOptions& options) const;
    Result<Termination> end_with_byes(EndReason reason, TimePoint now,
                                      const RequestOptions& options);

    DialogId id_ = 0;
    TimePoint created_at_{};
    TimePoint confirmed_at_{};
    TimePoint ended_at_{};
    PackedTexts texts_;
    std::array<TextRef, kFieldCount> refs_{};
    std::array<Leg, 2> legs_{};
    Variables variables_;
    std::vector<EarlyDialog> early_;
    Negotiation negotiation_;
    std::uint32_t max_duration_s_ = 0;
    std::uint16_t linger_s_ = static_cast<std::uint16_t>(kDefaultLinger.count());
    std::uint16_t caller_record_routes_ = 0;  // Record-Route entries of the INVITE as received
    std::uint16_t final_status_ = 0;
    std::uint8_t own_record_routes_ = 1;
    std::uint8_t early_latest_ = 0;  // index into early_ of the last one that replied
    State state_ = State::Unconfirmed;
    EndReason end_reason_ = EndReason::None;
    std::uint8_t flags_ = 0;
};

}  // namespace tandem::dialog
