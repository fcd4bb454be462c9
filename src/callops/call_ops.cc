#include "callops/call_ops.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/strings.h"
#include "callops/refer_to.h"
#include "callops/sipfrag.h"
#include "dialog/events.h"
#include "proxy/call_id.h"
#include "sip/header_id.h"

namespace tandem::callops {
namespace {

using dialog::Side;

constexpr std::string_view kReferPackage = "refer";
// A 491 to a hold re-INVITE is retried this many times (RFC 3261 section
// 14.1) before the hold fails.
constexpr int kMaxHoldAttempts = 3;

std::string status_text(int code, std::string_view reason) {
    // No reply at all (the script dropped the new call): nothing to report,
    // as for a transfer that could not start.
    if (code == 0) return {};
    std::string text = std::to_string(code);
    if (!reason.empty()) {
        text += ' ';
        text.append(reason);
    }
    return text;
}

Error not_found() {
    return make_error("Dialog not found", 404);
}

Error not_confirmed() {
    return make_error("Dialog not confirmed", 410);
}

std::string hold_variable(Side side) {
    return std::string("call_hold_") + std::string(dialog::side_name(side));
}

}  // namespace

std::vector<std::string> transfer_event_params() {
    return {"callid", "leg", "transfer_callid", "destination", "state", "status"};
}

std::vector<std::string> hold_event_params() {
    return {"callid", "leg", "action", "state"};
}

std::optional<Mode> mode_from_text(std::string_view text) {
    if (iequals(text, "param") || text == "0") return Mode::Param;
    if (iequals(text, "manual") || text == "1") return Mode::Manual;
    if (iequals(text, "callid") || text == "2") return Mode::CallId;
    return std::nullopt;
}

std::optional<Legs> legs_from_name(std::string_view name) {
    if (iequals(name, "caller")) return Legs::Caller;
    if (iequals(name, "callee")) return Legs::Callee;
    if (iequals(name, "both")) return Legs::Both;
    return std::nullopt;
}

std::optional<Side> side_from_leg_name(std::string_view name) {
    if (iequals(name, "caller")) return Side::Caller;
    if (iequals(name, "callee")) return Side::Callee;
    return std::nullopt;
}

Result<ReplacesTarget> replaces_target(const dialog::Dialog& b, Side transfer_leg) {
    if (!b.is_confirmed()) return not_confirmed();
    const dialog::LegView kept = b.leg(transfer_leg);
    const dialog::LegView replaced = b.leg(dialog::other(transfer_leg));
    ReplacesTarget target;
    target.call_id = std::string(b.call_id());
    target.to_tag = std::string(kept.tag);
    target.from_tag = std::string(replaced.tag);
    target.destination = std::string(kept.uri);
    return target;
}

CallOps::CallOps(proxy::Proxy& proxy, txn::TimerWheel& timers, Settings settings,
                 std::shared_ptr<spdlog::logger> logger)
    : proxy_(proxy),
      timers_(timers),
      settings_(std::move(settings)),
      logger_(logger ? std::move(logger) : spdlog::default_logger()),
      random_(static_cast<std::mt19937::result_type>(
          std::chrono::steady_clock::now().time_since_epoch().count())) {
    proxy_.set_call_hooks(this);
}

CallOps::~CallOps() {
    proxy_.set_call_hooks(nullptr);
    for (auto& [id, state] : calls_) {
        if (state.transfer) timers_.cancel(state.transfer->timer);
        if (state.ending) timers_.cancel(state.ending->timer);
        if (state.hold_op) {
            for (LegHold& leg : state.hold_op->legs)
                timers_.cancel(leg.timer);
        }
    }
}

std::size_t CallOps::shard() const {
    return proxy_.dialogs().shard();
}

void CallOps::raise(events::Event event) {
    if (events_) events_(std::move(event));
}

void CallOps::post(std::size_t shard, std::function<void(CallOps&)> work) {
    if (shard == this->shard() || !dispatch_) {
        work(*this);
        return;
    }
    dispatch_(shard, std::move(work));
}

std::string CallOps::call_id_of(dialog::DialogId id) {
    const dialog::Dialog* dialog = proxy_.dialogs().find(id);
    return dialog != nullptr ? std::string(dialog->call_id()) : std::string{};
}

void CallOps::forget_if_idle(dialog::DialogId id) {
    const auto found = calls_.find(id);
    if (found == calls_.end()) return;
    const CallState& state = found->second;
    if (state.transfer || state.replacement || state.ending || state.hold_op || state.holds.any()) {
        return;
    }
    calls_.erase(found);
}

// ---------------------------------------------------------------------------
// Transfers

Status CallOps::transfer(dialog::DialogId id, Side leg, std::string_view destination,
                         const std::optional<ReplacesTarget>& replaces) {
    dialog::Dialog* dialog = proxy_.dialogs().find(id);
    if (dialog == nullptr || dialog->is_ended()) return not_found();
    if (!dialog->is_confirmed()) return not_confirmed();
    CallState& state = calls_[id];
    if (state.transfer && !state.transfer->terminal) {
        return make_error("Transfer already in progress", 491);
    }
    auto sent = send_refer(*dialog, state, leg, destination, replaces);
    if (!sent) forget_if_idle(id);
    return sent;
}

Status CallOps::send_refer(dialog::Dialog& dialog, CallState& state, Side leg,
                           std::string_view destination,
                           const std::optional<ReplacesTarget>& replaces) {
    std::string shown_destination(destination);
    Result<std::string> target = make_error("no destination", 400);
    if (replaces) {
        if (shown_destination.empty()) shown_destination = replaces->destination;
        if (shown_destination.empty()) return make_error("missing destination", 400);
        target = attended_target(shown_destination, replaces->call_id, replaces->to_tag,
                                 replaces->from_tag);
    } else {
        if (shown_destination.empty()) return make_error("missing destination", 400);
        switch (settings_.mode) {
            case Mode::Param:
                target = blind_target(shown_destination, settings_.match_param,
                                      dialog::dialog_id_text(dialog.id()));
                break;
            case Mode::CallId:
                target = blind_target(shown_destination, settings_.match_param, dialog.call_id());
                break;
            case Mode::Manual:
                target = blind_target(shown_destination, {}, {});
                break;
        }
    }
    if (!target) return target.error();

    Transfer transfer;
    transfer.attempt = next_serial_++;
    transfer.call_id = std::string(dialog.call_id());
    transfer.leg = std::string(dialog::side_name(leg));
    transfer.refer_leg = leg;
    transfer.destination = shown_destination;
    if (replaces) transfer.transfer_callid = replaces->call_id;
    transfer.subscribed = true;

    // RFC 3892: the REFER names who refers, the party Tandem speaks for.
    std::string headers = "Refer-To: " + refer_to_value(*target) + "\r\n";
    headers += "Referred-By: <" + std::string(dialog.leg(leg).peer_uri) + ">\r\n";
    dialog::RequestOptions options;
    options.extra_headers = headers;
    const dialog::DialogId id = dialog.id();
    const std::uint64_t attempt = transfer.attempt;
    // The REFER's answer may come before the record below exists only if
    // the transport answered synchronously, which it never does.
    if (state.transfer) timers_.cancel(state.transfer->timer);
    state.transfer = std::move(transfer);
    auto sent = proxy_.send_in_dialog(id, leg, "REFER", options,
                                      [this, id, attempt](const proxy::GeneratedReply& reply) {
                                          on_refer_reply(id, attempt, reply);
                                      });
    if (!sent) {
        logger_->info("call_transfer of {}: REFER not sent: {}", state.transfer->call_id,
                      sent.error().reason);
        raise_transfer(*state.transfer, "fail", "", state.transfer->transfer_callid);
        state.transfer.reset();
        return sent;
    }
    (void)dialog.variables().set("call_transfer_leg", dialog::side_name(leg));
    logger_->info("call_transfer of {}: REFER sent to the {} (Refer-To: <{}>)",
                  state.transfer->call_id, dialog::side_name(leg), *target);
    raise_transfer(*state.transfer, "start", "", state.transfer->transfer_callid);
    arm_transfer_timer(id, *state.transfer);
    if (replaces) {
        // The INVITE with Replaces may reach any worker; the one owning B's
        // Call-ID learns which transfer it completes.
        CallKey transferred{id, {}};
        const std::string b_call_id = replaces->call_id;
        post(proxy::shard_of_call_id(b_call_id, std::max<std::size_t>(settings_.shard_count, 1)),
             [b_call_id, transferred](CallOps& ops) {
                 ops.expect_replaces(b_call_id, transferred);
             });
    }
    return {};
}

void CallOps::expect_replaces(const std::string& b_call_id, const CallKey& transferred) {
    const dialog::TimePoint now = timers_.clock().now();
    // Links whose INVITE never came are dropped after a while.
    const auto stale = std::chrono::duration_cast<dialog::Clock::duration>(
        settings_.notify_timeout * 4 + std::chrono::minutes(5));
    std::erase_if(replaces_links_,
                  [&](const auto& entry) { return now - entry.second.made > stale; });
    replaces_links_[b_call_id] = ReplacesLink{transferred, now};
}

void CallOps::replacing_call_started(const NewCall& call) {
    if (dialog::Dialog* b = proxy_.dialogs().find_by_call_id(call.replaces_call_id);
        b != nullptr && !b->is_ended()) {
        Transfer replacement;
        replacement.attempt = next_serial_++;
        replacement.call_id = std::string(b->call_id());
        replacement.leg = "unknown";
        for (Side side : {Side::Caller, Side::Callee}) {
            if (b->leg(side).tag == call.replaces_to_tag) {
                replacement.leg = std::string(dialog::side_name(side));
            }
        }
        replacement.destination = call.request_uri;
        replacement.transfer_callid = call.call_id;
        CallState& state = calls_[b->id()];
        state.replacement = std::move(replacement);
        raise_transfer(*state.replacement, "start", "", call.call_id);
    }
    const auto link = replaces_links_.find(call.replaces_call_id);
    if (link == replaces_links_.end()) return;
    NewCall forwarded = call;
    forwarded.key = link->second.transferred;
    forwarded.replaces_call_id.clear();
    post(owner_of(forwarded.key),
         [forwarded](CallOps& owner) { owner.new_call_started(forwarded); });
}

void CallOps::replacing_call_ended(const NewCall& call, int status, const std::string& reason) {
    const bool ok = status >= 200 && status < 300;
    if (dialog::Dialog* b = proxy_.dialogs().find_by_call_id(call.replaces_call_id)) {
        const auto found = calls_.find(b->id());
        if (found != calls_.end() && found->second.replacement &&
            found->second.replacement->transfer_callid == call.call_id) {
            raise_transfer(*found->second.replacement, ok ? "ok" : "fail",
                           status_text(status, reason), call.call_id);
            found->second.replacement.reset();
            forget_if_idle(b->id());
        }
    }
    const auto link = replaces_links_.find(call.replaces_call_id);
    if (link == replaces_links_.end()) return;
    const CallKey key = link->second.transferred;
    replaces_links_.erase(link);
    post(owner_of(key), [key, call_id = call.call_id, status, reason](CallOps& owner) {
        owner.new_call_ended(key, call_id, status, reason);
    });
}

void CallOps::arm_transfer_timer(dialog::DialogId id, Transfer& transfer) {
    timers_.cancel(transfer.timer);
    if (transfer.terminal) return;
    const std::uint64_t attempt = transfer.attempt;
    transfer.timer =
        timers_.schedule(std::chrono::duration_cast<txn::Duration>(settings_.notify_timeout),
                         [this, id, attempt] { on_transfer_timeout(id, attempt); });
}

void CallOps::raise_transfer(const Transfer& transfer, std::string_view state,
                             std::string_view status, std::string_view transfer_callid) {
    events::Event event;
    event.name = std::string(kTransferEvent);
    event.params = {{"callid", transfer.call_id},
                    {"leg", transfer.leg},
                    {"transfer_callid", std::string(transfer_callid)},
                    {"destination", transfer.destination},
                    {"state", std::string(state)},
                    {"status", std::string(status)}};
    raise(std::move(event));
}

void CallOps::finish_transfer(dialog::DialogId id, Transfer& transfer, bool ok,
                              std::string_view status) {
    if (transfer.terminal) return;
    transfer.terminal = true;
    timers_.cancel(transfer.timer);
    if (dialog::Dialog* dialog = proxy_.dialogs().find(id)) {
        (void)dialog->variables().erase("call_transfer_leg");
    }
    logger_->info("call_transfer of {}: {} {}", transfer.call_id, ok ? "ok" : "fail", status);
    raise_transfer(transfer, ok ? "ok" : "fail", status, transfer.transfer_callid);
    // Tandem is the transferor only of the transfers it started (not of
    // those the phones made and call_blind_replace() follows). While the
    // transferee may still report, its NOTIFY is waited for, so that it
    // reaches a dialog that still exists (handle_notify() cuts the wait).
    const dialog::Dialog* dialog = proxy_.dialogs().find(id);
    if (ok && settings_.transfer_ends_call && transfer.refer_leg && dialog != nullptr &&
        !dialog->is_ended()) {
        const auto grace =
            std::min<std::chrono::seconds>(kTransferEndGrace, settings_.notify_timeout);
        end_call_after(id, transfer,
                       transfer.subscribed ? std::chrono::duration_cast<txn::Duration>(grace)
                                           : txn::Duration::zero());
    }
}

void CallOps::end_call_after(dialog::DialogId id, const Transfer& transfer, txn::Duration delay) {
    const auto found = calls_.find(id);
    if (found == calls_.end()) return;
    CallState& state = found->second;
    if (state.ending) timers_.cancel(state.ending->timer);
    const std::uint64_t attempt = transfer.attempt;
    // Never from inside the handler of the message that decided it: ending
    // the dialog reports its end (on_dialog_state) while that handler still
    // holds the transfer, and the NOTIFY's own answer goes out first.
    state.ending = CallState::PendingEnd{transfer, timers_.schedule(delay, [this, id, attempt] {
                                             end_transferred_call(id, attempt);
                                         })};
}

void CallOps::end_transferred_call(dialog::DialogId id, std::uint64_t attempt) {
    const auto found = calls_.find(id);
    if (found == calls_.end() || !found->second.ending ||
        found->second.ending->transfer.attempt != attempt) {
        return;
    }
    const Transfer transfer = std::move(found->second.ending->transfer);
    found->second.ending.reset();
    const dialog::Dialog* dialog = proxy_.dialogs().find(id);
    if (dialog == nullptr || dialog->is_ended() || !dialog->is_confirmed()) {
        forget_if_idle(id);
        return;
    }
    // Reports the end (on_dialog_state), which may forget this call's state.
    auto ended = proxy_.end_dialog(id, {}, dialog::EndReason::Transferred);
    if (!ended) {
        logger_->warn("call_transfer of {}: the transferred call could not be ended: {} {}",
                      transfer.call_id, ended.error().status, ended.error().reason);
        forget_if_idle(id);
        return;
    }
    logger_->info("call_transfer of {}: transferred, BYE sent to both legs", transfer.call_id);
    raise_transfer(transfer, "ended", "", transfer.transfer_callid);
}

void CallOps::on_refer_reply(dialog::DialogId id, std::uint64_t attempt,
                             const proxy::GeneratedReply& reply) {
    const auto found = calls_.find(id);
    if (found == calls_.end() || !found->second.transfer ||
        found->second.transfer->attempt != attempt) {
        return;
    }
    Transfer& transfer = *found->second.transfer;
    if (reply.status >= 300) {
        // No subscription was made: nothing more will come.
        finish_transfer(id, transfer, false, status_text(reply.status, reply.reason));
        found->second.transfer.reset();
        forget_if_idle(id);
        return;
    }
    // Accepted: now the NOTIFYs (and the new call) must come in time.
    arm_transfer_timer(id, transfer);
}

void CallOps::on_transfer_timeout(dialog::DialogId id, std::uint64_t attempt) {
    const auto found = calls_.find(id);
    if (found == calls_.end() || !found->second.transfer ||
        found->second.transfer->attempt != attempt) {
        return;
    }
    finish_transfer(id, *found->second.transfer, false, "408 Request Timeout");
    const dialog::Dialog* dialog = proxy_.dialogs().find(id);
    if (dialog == nullptr || dialog->is_ended()) {
        found->second.transfer.reset();
        forget_if_idle(id);
    }
}

CallOps::Transfer* CallOps::subscription_of(const dialog::DialogMatch& match,
                                            const sip::Message& notify) {
    if (notify.method() != sip::Method::Notify) return nullptr;
    const auto event = notify.event();
    if (!event || !iequals(event->package, kReferPackage)) return nullptr;
    const auto found = calls_.find(match.dialog->id());
    if (found == calls_.end() || !found->second.transfer) return nullptr;
    Transfer& transfer = *found->second.transfer;
    if (!transfer.subscribed || transfer.refer_leg != match.sender) return nullptr;
    return &transfer;
}

int CallOps::handle_notify(dialog::DialogId id, Transfer& transfer, const sip::Message& notify) {
    const auto content_type = notify.content_type();
    if (content_type && !content_type->is("message", "sipfrag")) return 400;
    auto frag = parse_sipfrag(notify.body());
    if (!frag) return 400;
    const std::string status(frag->status);
    raise_transfer(transfer, "notify", status, transfer.transfer_callid);
    if (frag->code >= 200 && frag->code < 300) {
        finish_transfer(id, transfer, true, status);
    } else if (frag->code >= 300) {
        finish_transfer(id, transfer, false, status);
    } else {
        arm_transfer_timer(id, transfer);
    }
    const auto state = notify.header(sip::HeaderId::SubscriptionState);
    if (state && trim(*state).starts_with("terminated")) transfer.subscribed = false;
    // The transferee's report came: the call it was transferred from can end.
    const auto call = calls_.find(id);
    if (call != calls_.end() && call->second.ending &&
        call->second.ending->transfer.attempt == transfer.attempt &&
        ((frag->code >= 200 && frag->code < 300) || !transfer.subscribed)) {
        end_call_after(id, transfer, txn::Duration::zero());
    }
    return 200;
}

std::optional<dialog::DialogId> CallOps::find_call(const CallKey& key) {
    dialog::Dialog* dialog =
        key.id != 0 ? proxy_.dialogs().find(key.id) : proxy_.dialogs().find_by_call_id(key.call_id);
    if (dialog == nullptr) return std::nullopt;
    return dialog->id();
}

std::size_t CallOps::owner_of(const CallKey& key) const {
    if (key.id != 0) return dialog::shard_of(key.id);
    return proxy::shard_of_call_id(key.call_id, std::max<std::size_t>(settings_.shard_count, 1));
}

void CallOps::new_call_started(const NewCall& call) {
    const auto id = find_call(call.key);
    if (!id) {
        logger_->info("call {} names a transferred call that is gone", call.call_id);
        return;
    }
    CallState& state = calls_[*id];
    if (!state.transfer || state.transfer->terminal) {
        if (!call.adopt) {
            forget_if_idle(*id);
            return;
        }
        // A transfer Tandem did not start (call_blind_replace after the
        // phones' own REFER): followed from here on.
        if (state.transfer) timers_.cancel(state.transfer->timer);
        Transfer transfer;
        transfer.attempt = next_serial_++;
        transfer.call_id = call_id_of(*id);
        transfer.leg = call.leg.empty() ? "unknown" : call.leg;
        transfer.destination = call.request_uri;
        state.transfer = std::move(transfer);
    }
    Transfer& transfer = *state.transfer;
    transfer.transfer_callid = call.call_id;
    logger_->info("call_transfer of {}: new call {}", transfer.call_id, call.call_id);
    // A transfer Tandem started had its `start` when its REFER went out;
    // the new call's Call-ID is carried by its later events.
    if (!transfer.refer_leg) raise_transfer(transfer, "start", "", call.call_id);
    arm_transfer_timer(*id, transfer);
}

void CallOps::new_call_ended(const CallKey& key, const std::string& call_id, int status,
                             const std::string& reason) {
    const auto id = find_call(key);
    const auto found = id ? calls_.find(*id) : calls_.end();
    if (found == calls_.end() || !found->second.transfer) return;
    Transfer& transfer = *found->second.transfer;
    if (transfer.transfer_callid != call_id) return;
    finish_transfer(*id, transfer, status >= 200 && status < 300, status_text(status, reason));
    const dialog::Dialog* dialog = proxy_.dialogs().find(*id);
    if (!transfer.subscribed || dialog == nullptr || dialog->is_ended()) {
        found->second.transfer.reset();
        forget_if_idle(*id);
    }
}

Result<ReplacesTarget> CallOps::lookup_replaces(std::string_view call_id, Side transfer_leg) {
    const dialog::Dialog* b = proxy_.dialogs().find_by_call_id(call_id);
    if (b == nullptr || b->is_ended()) return not_found();
    return replaces_target(*b, transfer_leg);
}

// ---------------------------------------------------------------------------
// Hooks

proxy::RequestVerdict CallOps::before_route(const sip::Message& request,
                                            const std::optional<dialog::DialogMatch>& in_dialog) {
    proxy::RequestVerdict verdict;
    if (in_dialog) {
        if (settings_.mode == Mode::Manual) return verdict;
        Transfer* transfer = subscription_of(*in_dialog, request);
        if (transfer == nullptr) return verdict;
        // The NOTIFY reports on Tandem's REFER: Tandem answers it, and the
        // party Tandem spoke for, which knows nothing of the REFER, never
        // sees it.
        const dialog::DialogId id = in_dialog->dialog->id();
        verdict.reply_status = handle_notify(id, *transfer, request);
        if (verdict.reply_status == 400) verdict.reply_reason = "Bad Request (not a sipfrag)";
        if (!transfer->subscribed && transfer->terminal) {
            calls_[id].transfer.reset();
            forget_if_idle(id);
        }
        return verdict;
    }
    if (request.method() != sip::Method::Invite) return verdict;
    const auto to = request.to();
    if (!to || !to->tag.empty()) return verdict;
    if (const auto replaces = request.replaces()) {
        // An attended transfer completing (RFC 3891), whichever mode.
        NewCall call;
        call.replaces_call_id = std::string(replaces->call_id);
        call.replaces_to_tag = std::string(replaces->to_tag);
        call.call_id = std::string(request.call_id());
        call.request_uri = std::string(request.request_uri_text());
        verdict.watch = next_serial_++;
        watches_.emplace(verdict.watch, call);
        post(proxy::shard_of_call_id(call.replaces_call_id,
                                     std::max<std::size_t>(settings_.shard_count, 1)),
             [call](CallOps& ops) { ops.replacing_call_started(call); });
        return verdict;
    }
    if (settings_.mode == Mode::Manual) return verdict;
    auto taken = take_uri_param(request.request_uri_text(), settings_.match_param);
    if (!taken) return verdict;
    verdict.request_uri = std::move(taken->uri);
    NewCall call;
    if (settings_.mode == Mode::Param) {
        const auto id = dialog::parse_dialog_id(taken->value);
        if (!id) return verdict;
        call.key.id = *id;
    } else {
        call.key.call_id = std::move(taken->value);
    }
    call.call_id = std::string(request.call_id());
    call.request_uri = *verdict.request_uri;
    verdict.watch = next_serial_++;
    watches_.emplace(verdict.watch, call);
    post(owner_of(call.key), [call](CallOps& owner) { owner.new_call_started(call); });
    return verdict;
}

void CallOps::on_watched_final(std::uint64_t watch, const proxy::FinalReply& reply) {
    const auto found = watches_.find(watch);
    if (found == watches_.end()) return;
    NewCall call = std::move(found->second);
    watches_.erase(found);
    std::string reason(reply.reason);
    const int status = reply.status;
    if (!call.replaces_call_id.empty()) {
        const std::size_t b_owner = proxy::shard_of_call_id(
            call.replaces_call_id, std::max<std::size_t>(settings_.shard_count, 1));
        post(b_owner, [call = std::move(call), status, reason](CallOps& ops) {
            ops.replacing_call_ended(call, status, reason);
        });
        return;
    }
    // The owner first: the order in which arguments are evaluated is
    // unspecified, and the lambda takes `call` away.
    const std::size_t owner_shard = owner_of(call.key);
    post(owner_shard, [call = std::move(call), status, reason](CallOps& owner) {
        owner.new_call_ended(call.key, call.call_id, status, reason);
    });
}

void CallOps::on_dialog_state(const dialog::Dialog& dialog, const dialog::StateChange& change) {
    if (change.to != dialog::State::Deleted) return;
    const auto found = calls_.find(dialog.id());
    if (found == calls_.end()) return;
    CallState& state = found->second;
    if (state.hold_op) {
        for (Side side : {Side::Caller, Side::Callee}) {
            LegHold& leg = state.hold_op->legs[index(side)];
            timers_.cancel(leg.timer);
            if (leg.needed && !leg.done && leg.attempts > 0) {
                raise_hold(dialog.call_id(), side, state.hold_op->hold, "fail");
            }
        }
        state.hold_op.reset();
    }
    state.holds = {};
    if (state.ending) {
        // Ended otherwise before Tandem ended it.
        timers_.cancel(state.ending->timer);
        state.ending.reset();
    }
    // A transfer still running keeps its record until its outcome or its
    // timer: the transferee often ends this call as the new one starts.
    if (state.transfer && state.transfer->terminal) state.transfer.reset();
    // B's replacing call usually ends B (the replaced party gets a BYE):
    // its outcome is still reported, and the record goes with it.
    forget_if_idle(dialog.id());
}

// ---------------------------------------------------------------------------
// Script functions

Result<script::ScriptValue> CallOps::script_transfer(script::CallContext& context,
                                                     const script::Arguments& args) {
    const auto leg = side_from_leg_name(args.string(0));
    if (!leg) return make_error("leg must be \"caller\" or \"callee\"");
    const auto id = proxy_.dialog_of_route(context);
    if (!id) {
        logger_->info("call_transfer: the message belongs to no dialog");
        return script::ScriptValue{false};
    }
    if (!args.has(2)) {
        auto sent = transfer(*id, *leg, args.string(1));
        if (!sent) {
            logger_->info("call_transfer: {} {}", sent.error().status, sent.error().reason);
            return script::ScriptValue{false};
        }
        return script::ScriptValue{true};
    }
    const auto transfer_leg = side_from_leg_name(args.string(2));
    if (!transfer_leg) return make_error("transfer_leg must be \"caller\" or \"callee\"");
    const std::string b_call_id(args.string(1));
    const std::string destination(args.optional_string(3).value_or(""));
    const std::size_t b_owner =
        proxy::shard_of_call_id(b_call_id, std::max<std::size_t>(settings_.shard_count, 1));
    if (b_owner == shard() || !dispatch_) {
        auto target = lookup_replaces(b_call_id, *transfer_leg);
        if (!target) {
            logger_->info("call_transfer: call {}: {}", b_call_id, target.error().reason);
            return script::ScriptValue{false};
        }
        auto sent = transfer(*id, *leg, destination, *target);
        if (!sent) {
            logger_->info("call_transfer: {} {}", sent.error().status, sent.error().reason);
            return script::ScriptValue{false};
        }
        return script::ScriptValue{true};
    }
    // Call B lives on another worker: ask it, then come back here to send
    // the REFER. The answer is the outcome's events.
    const std::size_t home = shard();
    const dialog::DialogId a_id = *id;
    const Side a_leg = *leg;
    post(b_owner, [home, a_id, a_leg, b_call_id, destination,
                   transfer_leg = *transfer_leg](CallOps& b_ops) {
        auto target = b_ops.lookup_replaces(b_call_id, transfer_leg);
        b_ops.post(home, [a_id, a_leg, destination, target = std::move(target)](CallOps& a_ops) {
            if (!target) {
                a_ops.logger_->info("call_transfer: call B: {}", target.error().reason);
                return;
            }
            if (auto sent = a_ops.transfer(a_id, a_leg, destination, *target); !sent) {
                a_ops.logger_->info("call_transfer: {} {}", sent.error().status,
                                    sent.error().reason);
            }
        });
    });
    return script::ScriptValue{true};
}

Result<script::ScriptValue> CallOps::script_blind_replace(script::CallContext& context,
                                                          const script::Arguments& args) {
    const sip::Message* message = context.message();
    if (message == nullptr || message->method() != sip::Method::Invite) {
        return script::ScriptValue{false};
    }
    NewCall call;
    call.key.call_id = std::string(args.string(0));
    call.call_id = std::string(message->call_id());
    call.request_uri = std::string(message->request_uri_text());
    if (args.has(1)) call.leg = std::string(args.string(1));
    call.adopt = true;
    const std::size_t owner = owner_of(call.key);
    if (owner == shard() && !find_call(call.key)) {
        logger_->info("call_blind_replace: no call {}", call.key.call_id);
        return script::ScriptValue{false};
    }
    const std::uint64_t watch = next_serial_++;
    if (auto watched = proxy_.watch_request(context, watch); !watched) return watched.error();
    watches_.emplace(watch, call);
    post(owner, [call](CallOps& ops) { ops.new_call_started(call); });
    return script::ScriptValue{true};
}

Result<script::ScriptValue> CallOps::script_transfer_notify(script::CallContext& context) {
    const sip::Message* message = context.message();
    const auto id = proxy_.dialog_of_route(context);
    if (message == nullptr || !id || !message->is_request()) return script::ScriptValue{false};
    dialog::Dialog* dialog = proxy_.dialogs().find(*id);
    if (dialog == nullptr) return script::ScriptValue{false};
    const auto sender = dialog->sender_of(*message);
    if (!sender) return script::ScriptValue{false};
    Transfer* transfer = subscription_of(dialog::DialogMatch{dialog, *sender}, *message);
    if (transfer == nullptr) return script::ScriptValue{false};
    const int status = handle_notify(*id, *transfer, *message);
    if (!transfer->subscribed && transfer->terminal) {
        calls_[*id].transfer.reset();
        forget_if_idle(*id);
    }
    auto replied = proxy_.send_reply(context, status, status == 200 ? "OK" : "Bad Request");
    if (!replied) return replied.error();
    return script::ScriptValue{script::StopRoute{}};
}

// ---------------------------------------------------------------------------
// Holds

Status CallOps::hold(dialog::DialogId id, Legs legs, const LegHeaders& headers) {
    return start_hold(id, legs, true, headers);
}

Status CallOps::unhold(dialog::DialogId id, Legs legs, const LegHeaders& headers) {
    return start_hold(id, legs, false, headers);
}

Status CallOps::start_hold(dialog::DialogId id, Legs legs, bool hold, const LegHeaders& headers) {
    dialog::Dialog* dialog = proxy_.dialogs().find(id);
    if (dialog == nullptr || dialog->is_ended()) return not_found();
    if (!dialog->is_confirmed()) return not_confirmed();
    Holds requested;
    requested.caller = legs != Legs::Callee;
    requested.callee = legs != Legs::Caller;

    CallState& state = calls_[id];
    if (state.hold_op) {
        // Asking again for what is being done is answered as if it were
        // done already.
        const HoldOperation& running = *state.hold_op;
        const bool covered = running.hold == hold && !running.rollback &&
                             (!requested.caller || running.to.caller == hold) &&
                             (!requested.callee || running.to.callee == hold);
        if (covered) return make_error(hold ? "Call already on hold" : "Call not on hold", 480);
        return make_error("Hold operation in progress", 491);
    }
    Holds target = state.holds;
    bool changes = false;
    for (Side side : {Side::Caller, Side::Callee}) {
        if (!requested.has(side) || state.holds.has(side) == hold) continue;
        target.set(side, hold);
        changes = true;
    }
    if (!changes) {
        forget_if_idle(id);
        return make_error(hold ? "Call already on hold" : "Call not on hold", 480);
    }
    for (Side side : {Side::Caller, Side::Callee}) {
        if (offered_bits(target, side) == offered_bits(state.holds, side)) continue;
        if (state.original_sdp[index(side)].empty() && dialog->leg(side).sdp_sent.empty()) {
            forget_if_idle(id);
            return make_error("No SDP exchanged with the " + std::string(dialog::side_name(side)),
                              488);
        }
    }

    HoldOperation op;
    op.hold = hold;
    op.from = state.holds;
    op.to = target;
    op.headers = headers;
    for (Side side : {Side::Caller, Side::Callee}) {
        LegHold& leg = op.legs[index(side)];
        leg.bits = offered_bits(target, side);
        leg.needed = leg.bits != offered_bits(state.holds, side);
    }
    state.hold_op = std::move(op);
    // One leg after the other: the dialog carries one offer/answer at a
    // time, and a leg refusing must be known before the other is changed.
    for (Side side : {Side::Caller, Side::Callee}) {
        if (!state.hold_op->legs[index(side)].needed) continue;
        if (auto sent = send_hold(id, state, side); !sent) {
            // Nothing went out: as if never asked (no event was raised).
            state.hold_op.reset();
            forget_if_idle(id);
            return sent;
        }
        break;
    }
    return {};
}

Status CallOps::send_hold(dialog::DialogId id, CallState& state, Side side) {
    dialog::Dialog* dialog = proxy_.dialogs().find(id);
    HoldOperation& op = *state.hold_op;
    LegHold& leg = op.legs[index(side)];
    if (dialog == nullptr) return not_found();
    const dialog::LegView view = dialog->leg(side);
    std::string& original = state.original_sdp[index(side)];
    if (original.empty()) original = std::string(view.sdp_sent);
    const std::uint64_t last_version =
        sdp_version(view.sdp_sent).value_or(sdp_version(original).value_or(0));
    auto offer = hold_offer(original, leg.bits, last_version);
    ++leg.attempts;
    leg.serial = next_serial_++;
    Status sent = offer.ok() ? Status{} : Status{offer.error()};
    if (sent) {
        dialog::RequestOptions options;
        options.content_type = "application/sdp";
        options.body = *offer;
        options.extra_headers = op.headers.of(side);
        options.track_sdp = true;
        const std::uint64_t serial = leg.serial;
        sent = proxy_.send_in_dialog(id, side, "INVITE", options,
                                     [this, id, side, serial](const proxy::GeneratedReply& reply) {
                                         on_hold_reply(id, side, serial, reply);
                                     });
    }
    if (!sent) {
        logger_->info("call_{} of {} ({}): re-INVITE not sent: {} {}", op.hold ? "hold" : "unhold",
                      dialog->call_id(), dialog::side_name(side), sent.error().status,
                      sent.error().reason);
        return sent;
    }
    if (leg.attempts == 1) raise_hold(dialog->call_id(), side, op.hold, "start");
    timers_.cancel(leg.timer);
    const std::uint64_t serial = leg.serial;
    leg.timer =
        timers_.schedule(std::chrono::duration_cast<txn::Duration>(settings_.hold_timeout),
                         [this, id, side, serial] { on_hold_timer(id, side, serial, false); });
    return {};
}

void CallOps::on_hold_reply(dialog::DialogId id, Side side, std::uint64_t serial,
                            const proxy::GeneratedReply& reply) {
    const auto found = calls_.find(id);
    if (found == calls_.end() || !found->second.hold_op) return;
    CallState& state = found->second;
    LegHold& leg = state.hold_op->legs[index(side)];
    if (leg.serial != serial || leg.done) return;
    timers_.cancel(leg.timer);
    if (reply.status >= 200 && reply.status < 300) {
        if (dialog::Dialog* dialog = proxy_.dialogs().find(id)) {
            (void)dialog->variables().set(hold_variable(side), std::to_string(leg.bits));
        }
        leg_done(id, state, side, true);
        return;
    }
    if (reply.status == 491 && leg.attempts < kMaxHoldAttempts) {
        // RFC 3261 section 14.1: the party that owns the Call-ID (the
        // caller) waits 2.1 to 4 s after a 491, the other 0 to 2 s, so that
        // the two do not offer again at the same moment. Towards the callee
        // Tandem speaks as the caller, and towards the caller as the callee.
        std::uniform_int_distribution<int> delay_ms =
            side == Side::Callee ? std::uniform_int_distribution<int>(2100, 4000)
                                 : std::uniform_int_distribution<int>(0, 2000);
        leg.timer = timers_.schedule(
            std::chrono::duration_cast<txn::Duration>(std::chrono::milliseconds(delay_ms(random_))),
            [this, id, side, serial] { on_hold_timer(id, side, serial, true); });
        return;
    }
    logger_->info("call_{} of {} ({}): {} {}", state.hold_op->hold ? "hold" : "unhold",
                  call_id_of(id), dialog::side_name(side), reply.status, reply.reason);
    leg_done(id, state, side, false);
}

void CallOps::on_hold_timer(dialog::DialogId id, Side side, std::uint64_t serial, bool retry) {
    const auto found = calls_.find(id);
    if (found == calls_.end() || !found->second.hold_op) return;
    CallState& state = found->second;
    LegHold& leg = state.hold_op->legs[index(side)];
    if (leg.serial != serial || leg.done) return;
    if (!retry) {
        logger_->info("call_hold of {} ({}): no final reply in time, cancelling", call_id_of(id),
                      dialog::side_name(side));
        // Its final reply (487, or the transaction layer's 408) fails the
        // leg, once the dialog has dropped the offer: only then can the
        // other leg be put back.
        if (auto cancelled = proxy_.cancel_in_dialog(id, side); !cancelled) {
            leg_done(id, state, side, false);
        }
        return;
    }
    if (auto sent = send_hold(id, state, side); !sent) {
        // Still busy (the phone's own offer is in progress): another try
        // while attempts last.
        if (sent.error().status == 491 && leg.attempts < kMaxHoldAttempts) {
            proxy::GeneratedReply busy;
            busy.status = 491;
            on_hold_reply(id, side, leg.serial, busy);
            return;
        }
        leg_done(id, state, side, false);
    }
}

bool CallOps::advance_hold(dialog::DialogId id, CallState& state) {
    HoldOperation& op = *state.hold_op;
    for (Side side : {Side::Caller, Side::Callee}) {
        LegHold& leg = op.legs[index(side)];
        if (!leg.needed || leg.done) continue;
        if (send_hold(id, state, side)) return true;
        leg.done = true;
        leg.ok = false;
        // Every leg of an operation reports `start` and then its outcome,
        // even one whose re-INVITE could not go out.
        const std::string call_id = call_id_of(id);
        raise_hold(call_id, side, op.hold, "start");
        raise_hold(call_id, side, op.hold, "fail");
        return false;
    }
    return false;
}

void CallOps::leg_done(dialog::DialogId id, CallState& state, Side side, bool ok) {
    HoldOperation& op = *state.hold_op;
    LegHold& leg = op.legs[index(side)];
    leg.done = true;
    leg.ok = ok;
    timers_.cancel(leg.timer);
    raise_hold(call_id_of(id), side, op.hold, ok ? "ok" : "fail");
    if (ok && advance_hold(id, state)) return;
    // A refusal stops the operation: the legs not started stay as they are.
    for (LegHold& each : op.legs) {
        if (!each.done) each.needed = false;
    }
    finish_hold(id, state);
}

void CallOps::finish_hold(dialog::DialogId id, CallState& state) {
    HoldOperation op = std::move(*state.hold_op);
    state.hold_op.reset();
    bool all_ok = true;
    bool any_ok = false;
    for (const LegHold& leg : op.legs) {
        if (!leg.needed) continue;
        all_ok = all_ok && leg.ok;
        any_ok = any_ok || leg.ok;
    }
    if (all_ok || op.rollback) {
        if (!all_ok) {
            logger_->warn("call {}: undoing a half-done call_{} failed; the legs may disagree",
                          call_id_of(id), op.hold ? "unhold" : "hold");
        }
        state.holds = op.to;
        for (Side side : {Side::Caller, Side::Callee}) {
            if (offered_bits(state.holds, side) == 0) state.original_sdp[index(side)].clear();
        }
        forget_if_idle(id);
        return;
    }
    if (!any_ok) {
        forget_if_idle(id);
        return;
    }
    // One leg took the change and the other refused: put the first back as
    // it was, so both agree again.
    HoldOperation back;
    back.hold = !op.hold;
    back.rollback = true;
    back.from = op.to;
    back.to = op.from;
    back.headers = op.headers;
    for (Side side : {Side::Caller, Side::Callee}) {
        LegHold& leg = back.legs[index(side)];
        leg.bits = offered_bits(op.from, side);
        leg.needed = op.legs[index(side)].needed && op.legs[index(side)].ok;
    }
    state.holds = op.to;
    state.hold_op = std::move(back);
    if (!advance_hold(id, state)) finish_hold(id, state);
}

void CallOps::raise_hold(std::string_view call_id, Side side, bool hold, std::string_view state) {
    events::Event event;
    event.name = std::string(kHoldEvent);
    event.params = {{"callid", std::string(call_id)},
                    {"leg", std::string(dialog::side_name(side))},
                    {"action", hold ? "hold" : "unhold"},
                    {"state", std::string(state)}};
    raise(std::move(event));
}

}  // namespace tandem::callops
