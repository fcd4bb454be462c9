// Call control on the proxied calls of one worker (OpenSIPS's callops, see
// docs/callops.md): blind and attended transfers by REFER, hold and resume
// by re-INVITE, both sent into tracked dialogs in the name of the other
// party; the NOTIFYs and new calls that follow a transfer; E_CALL_TRANSFER
// and E_CALL_HOLD events.
//
// One CallOps per worker, bound to that worker's Proxy and timer wheel and
// used on its thread only. It sees the proxy's traffic through
// proxy::CallHooks. A transfer's new call may reach another worker than the
// transferred one; the two talk by posting work to each other through the
// Dispatcher the app provides (never by sharing state).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/result.h"
#include "callops/hold_sdp.h"
#include "dialog/dialog.h"
#include "events/event_bus.h"
#include "proxy/call_hooks.h"
#include "proxy/proxy.h"
#include "script/function.h"
#include "txn/timer_wheel.h"

namespace spdlog {
class logger;
}

namespace tandem::callops {

inline constexpr std::string_view kTransferEvent = "E_CALL_TRANSFER";
inline constexpr std::string_view kHoldEvent = "E_CALL_HOLD";
// The parameters of each event, in the order they are raised with.
std::vector<std::string> transfer_event_params();
std::vector<std::string> hold_event_params();

// How the call coming back from a blind transfer is tied to the transferred
// one (modparam "mode").
enum class Mode : std::uint8_t {
    Param = 0,   // Refer-To gets ;<match_param>=<dialog id>
    Manual = 1,  // the script calls call_blind_replace() and call_transfer_notify()
    CallId = 2,  // Refer-To gets ;<match_param>=<Call-ID>
};
// "param"/"0", "manual"/"1", "callid"/"2", in any case (as OpenSIPS).
std::optional<Mode> mode_from_text(std::string_view text);

struct Settings {
    Mode mode = Mode::Param;
    std::string match_param = "osid";
    // How long a transfer may go without news (the REFER's answer, a NOTIFY,
    // the new call) before it fails with 408.
    std::chrono::seconds notify_timeout{30};
    // How long a hold re-INVITE may go without a final reply.
    std::chrono::milliseconds hold_timeout{32000};
    // How many workers share the calls (proxy::shard_of_call_id).
    std::size_t shard_count = 1;
    // A transfer Tandem started that succeeds ends the transferred call (a
    // BYE to each leg, as the transferor does in RFC 5589); false keeps it
    // up, as OpenSIPS does.
    bool transfer_ends_call = true;
};

// A NOTIFY reporting the transfer's outcome is awaited this long after the
// new call was answered, before Tandem ends the transferred call anyway (at
// most notify_timeout).
inline constexpr std::chrono::seconds kTransferEndGrace{2};

// The legs a hold names.
enum class Legs : std::uint8_t { Caller, Callee, Both };

// Extra header lines for the re-INVITE of each leg ("Name: value", CRLF or
// LF separated), indexed caller then callee.
struct LegHeaders {
    std::string caller;
    std::string callee;

    // The same lines for both legs.
    static LegHeaders both(std::string_view lines) {
        return {std::string(lines), std::string(lines)};
    }
    const std::string& of(dialog::Side side) const {
        return side == dialog::Side::Caller ? caller : callee;
    }
};
// "caller", "callee", "both", in any case (as OpenSIPS).
std::optional<Legs> legs_from_name(std::string_view name);
// "caller" or "callee", in any case: the leg of a transfer.
std::optional<dialog::Side> side_from_leg_name(std::string_view name);

// What a REFER with Replaces needs of the call it replaces (dialog B).
struct ReplacesTarget {
    std::string call_id;
    std::string to_tag;       // the tag of the party that will get the INVITE with Replaces
    std::string from_tag;     // its peer's
    std::string destination;  // where that party is reached (From or To URI of B)
};

// The ReplacesTarget of a tracked dialog when its `transfer_leg` is to be
// bridged: for the caller, to-tag = the caller's tag, from-tag = the
// callee's, destination = the caller's URI (B's From); the reverse for the
// callee. Fails (410) when B is not confirmed.
Result<ReplacesTarget> replaces_target(const dialog::Dialog& b, dialog::Side transfer_leg);

class CallOps final : public proxy::CallHooks {
  public:
    // Receives every event CallOps raises (the app hands it to the event
    // bus and the script's event routes).
    using EventSink = std::function<void(events::Event event)>;
    // Runs `work` on the CallOps of worker `shard` (on that worker's thread,
    // later). The app posts to the worker; tests may run it at once.
    using Dispatcher = std::function<void(std::size_t shard, std::function<void(CallOps&)> work)>;

    CallOps(proxy::Proxy& proxy, txn::TimerWheel& timers, Settings settings,
            std::shared_ptr<spdlog::logger> logger);
    ~CallOps() override;
    CallOps(const CallOps&) = delete;
    CallOps& operator=(const CallOps&) = delete;

    void set_event_sink(EventSink sink) { events_ = std::move(sink); }
    void set_dispatcher(Dispatcher dispatcher) { dispatch_ = std::move(dispatcher); }
    const Settings& settings() const { return settings_; }
    std::size_t shard() const;
    proxy::Proxy& proxy() { return proxy_; }

    // ---- operations (MI, script) ------------------------------------------
    // Sends a REFER to leg `leg` of dialog `id`: a blind transfer to
    // `destination`, or with `replaces` an attended one (destination empty:
    // the replaced party's URI). 404 unknown dialog, 410 not confirmed, 491
    // a transfer pending, 400 bad destination; other errors when the REFER
    // could not be sent (then a fail event with empty status is raised too).
    Status transfer(dialog::DialogId id, dialog::Side leg, std::string_view destination,
                    const std::optional<ReplacesTarget>& replaces = std::nullopt);
    // Puts legs on hold / resumes them (see docs/callops.md): 404, 410, 480
    // (already held / not held), 491 (a hold or unhold still running), 488
    // (no SDP to offer); OK once at least one re-INVITE went out.
    Status hold(dialog::DialogId id, Legs legs, const LegHeaders& headers = {});
    Status unhold(dialog::DialogId id, Legs legs, const LegHeaders& headers = {});
    // The Replaces data of dialog B of this worker, by Call-ID: 404 unknown.
    Result<ReplacesTarget> lookup_replaces(std::string_view call_id, dialog::Side transfer_leg);

    // ---- script functions ---------------------------------------------------
    Result<script::ScriptValue> script_transfer(script::CallContext& context,
                                                const script::Arguments& args);
    Result<script::ScriptValue> script_blind_replace(script::CallContext& context,
                                                     const script::Arguments& args);
    Result<script::ScriptValue> script_transfer_notify(script::CallContext& context);

    // ---- proxy::CallHooks ----------------------------------------------------
    proxy::RequestVerdict before_route(
        const sip::Message& request, const std::optional<dialog::DialogMatch>& in_dialog) override;
    void on_watched_final(std::uint64_t watch, const proxy::FinalReply& reply) override;
    void on_dialog_state(const dialog::Dialog& dialog, const dialog::StateChange& change) override;

    // How many calls have call-control state (for tests and statistics).
    std::size_t tracked_calls() const { return calls_.size(); }
    // New calls whose final reply is awaited (they may complete a transfer).
    std::size_t watched_requests() const { return watches_.size(); }

  private:
    // Names the transferred call across workers: its dialog id (param
    // mode) or its Call-ID (callid and manual modes).
    struct CallKey {
        dialog::DialogId id = 0;
        std::string call_id;
    };

    // A new call that may complete a transfer, reported by the worker that
    // relays it to the worker that owns the transferred call.
    struct NewCall {
        CallKey key;
        std::string call_id;
        std::string request_uri;
        std::string leg;  // call_blind_replace's leg; empty: the transfer's
        // call_blind_replace: follow the call even when Tandem started no
        // transfer (the phones did).
        bool adopt = false;
        // An INVITE with Replaces: the call it replaces (B) and the tag of
        // B's party it goes to. `key` is then unused.
        std::string replaces_call_id;
        std::string replaces_to_tag;
    };

    struct Transfer {
        std::uint64_t attempt = 0;
        std::string call_id;  // of the transferred call
        std::string leg;      // "caller", "callee" or "unknown"
        // The leg the REFER went to (its NOTIFYs are ours); none when the
        // transfer was not started by Tandem (call_blind_replace).
        std::optional<dialog::Side> refer_leg;
        std::string destination;
        std::string transfer_callid;
        bool terminal = false;    // ok or fail raised
        bool subscribed = false;  // NOTIFYs of its REFER are answered here
        txn::TimerId timer;
    };

    struct LegHold {
        bool needed = false;
        bool done = false;
        bool ok = false;
        std::uint8_t bits = 0;  // what the leg is offered
        int attempts = 0;
        std::uint64_t serial = 0;  // names the re-INVITE in flight
        txn::TimerId timer;        // retry after 491, or the final reply's guard
    };

    struct HoldOperation {
        bool hold = true;       // hold or unhold (the events' action)
        bool rollback = false;  // undoing a half-done operation
        Holds from;
        Holds to;
        LegHeaders headers;
        std::array<LegHold, 2> legs{};
    };

    struct CallState {
        Holds holds;  // in force (both legs accepted)
        // Per leg, the SDP it was sent before its first hold; empty while
        // it is not held.
        std::array<std::string, 2> original_sdp;
        std::optional<HoldOperation> hold_op;
        std::optional<Transfer> transfer;
        // This call (B of an attended transfer) being replaced by a new
        // call that carries Replaces.
        std::optional<Transfer> replacement;
        // The transfer that succeeded, while Tandem waits to end this call.
        struct PendingEnd {
            Transfer transfer;
            txn::TimerId timer;
        };
        std::optional<PendingEnd> ending;
    };

    static std::size_t index(dialog::Side side) { return side == dialog::Side::Caller ? 0 : 1; }

    // Transfers.
    Status send_refer(dialog::Dialog& dialog, CallState& state, dialog::Side leg,
                      std::string_view destination, const std::optional<ReplacesTarget>& replaces);
    void on_refer_reply(dialog::DialogId id, std::uint64_t attempt,
                        const proxy::GeneratedReply& reply);
    void on_transfer_timeout(dialog::DialogId id, std::uint64_t attempt);
    void arm_transfer_timer(dialog::DialogId id, Transfer& transfer);
    void finish_transfer(dialog::DialogId id, Transfer& transfer, bool ok, std::string_view status);
    // Ends the transferred call `id` after `delay` (a BYE to each leg), on
    // behalf of `transfer`, which succeeded.
    void end_call_after(dialog::DialogId id, const Transfer& transfer, txn::Duration delay);
    void end_transferred_call(dialog::DialogId id, std::uint64_t attempt);
    void raise_transfer(const Transfer& transfer, std::string_view state, std::string_view status,
                        std::string_view transfer_callid);
    // A NOTIFY of a transfer's subscription: the status to answer it with.
    int handle_notify(dialog::DialogId id, Transfer& transfer, const sip::Message& notify);
    Transfer* subscription_of(const dialog::DialogMatch& match, const sip::Message& notify);
    std::optional<dialog::DialogId> find_call(const CallKey& key);
    std::size_t owner_of(const CallKey& key) const;
    void post(std::size_t shard, std::function<void(CallOps&)> work);
    // On the owner of the transferred call.
    void new_call_started(const NewCall& call);
    void new_call_ended(const CallKey& key, const std::string& call_id, int status,
                        const std::string& reason);
    // On the worker of call B's Call-ID: attended transfers.
    void expect_replaces(const std::string& b_call_id, const CallKey& transferred);
    void replacing_call_started(const NewCall& call);
    void replacing_call_ended(const NewCall& call, int status, const std::string& reason);

    // Holds.
    Status start_hold(dialog::DialogId id, Legs legs, bool hold, const LegHeaders& headers);
    Status send_hold(dialog::DialogId id, CallState& state, dialog::Side side);
    void on_hold_reply(dialog::DialogId id, dialog::Side side, std::uint64_t serial,
                       const proxy::GeneratedReply& reply);
    void on_hold_timer(dialog::DialogId id, dialog::Side side, std::uint64_t serial, bool retry);
    void leg_done(dialog::DialogId id, CallState& state, dialog::Side side, bool ok);
    // Sends the re-INVITE of the next leg still to do; false when none is
    // left or it could not be sent (that leg then fails).
    bool advance_hold(dialog::DialogId id, CallState& state);
    void finish_hold(dialog::DialogId id, CallState& state);
    void raise_hold(std::string_view call_id, dialog::Side side, bool hold, std::string_view state);

    void raise(events::Event event);
    void forget_if_idle(dialog::DialogId id);
    std::string call_id_of(dialog::DialogId id);

    proxy::Proxy& proxy_;
    txn::TimerWheel& timers_;
    Settings settings_;
    std::shared_ptr<spdlog::logger> logger_;
    EventSink events_;
    Dispatcher dispatch_;
    std::unordered_map<dialog::DialogId, CallState> calls_;
    // Requests relayed here whose final reply a transferred call waits for.
    std::unordered_map<std::uint64_t, NewCall> watches_;
    // Attended transfers Tandem started, by the Call-ID of the call they
    // replace (this worker's share of Call-IDs), with when they were made.
    struct ReplacesLink {
        CallKey transferred;
        dialog::TimePoint made;
    };
    std::unordered_map<std::string, ReplacesLink> replaces_links_;
    std::uint64_t next_serial_ = 1;
    std::mt19937 random_;
};

}  // namespace tandem::callops
