#include "proxy/proxy_module.h"

#include "base/strings.h"
#include "sdp/offer_answer.h"
#include "sdp/parse.h"
#include "sip/header_id.h"
#include "sip/syntax.h"

namespace tandem::proxy {
namespace {

using script::ArgType;
using script::Arguments;
using script::CallContext;
using script::ParamType;
using script::ParamValue;
using script::RouteKind;
using script::RouteKinds;
using script::ScriptValue;

constexpr std::string_view kTm = "tm";
constexpr std::string_view kDialog = "dialog";

Status positive_milliseconds(const ParamValue& value) {
    const std::int64_t ms = std::get<std::int64_t>(value);
    if (ms <= 0 || ms > 600'000) return make_error("must be 1..600000 milliseconds");
    return {};
}

// RFC 3261 16.6 item 11: timer C MUST be larger than 3 minutes.
Status timer_c_seconds(const ParamValue& value) {
    const std::int64_t seconds = std::get<std::int64_t>(value);
    if (seconds <= 180 || seconds > 86400) return make_error("must be 181..86400 seconds");
    return {};
}

Status cap_count(const ParamValue& value) {
    const std::int64_t count = std::get<std::int64_t>(value);
    if (count < 1 || count > 100'000'000) return make_error("must be 1..100000000");
    return {};
}

Status retry_after_seconds(const ParamValue& value) {
    const std::int64_t seconds = std::get<std::int64_t>(value);
    if (seconds < 0 || seconds > 86400) return make_error("must be 0..86400 seconds");
    return {};
}

Status not_negative(const ParamValue& value) {
    if (std::get<std::int64_t>(value) < 0) return make_error("must not be negative");
    return {};
}

// Wraps a Proxy member into a script callable.
template <typename Fn>
script::ScriptFunction bound(Proxy* proxy, Fn fn) {
    return [proxy, fn](CallContext& context, const Arguments& args) -> Result<ScriptValue> {
        if (proxy == nullptr) return make_error("the proxy is not running");
        return fn(*proxy, context, args);
    };
}

// ---- sipmsgops: functions on the message alone --------------------------

// append_hf("X-Foo: bar\r\n"): OpenSIPS writes the line terminator; Tandem
// adds its own, so a trailing CRLF is taken off.
Result<ScriptValue> append_hf(CallContext& context, const Arguments& args) {
    script::RequestActions* actions = context.actions();
    if (actions == nullptr) return make_error("no message in this route");
    std::string_view line = args.string(0);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.remove_suffix(1);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || trim(line.substr(0, colon)).empty() ||
        !sip::is_token(trim(line.substr(0, colon)))) {
        std::string reason = "not a header line (\"Name: value\"): ";
        reason.append(line);
        return make_error(std::move(reason));
    }
    if (line.find_first_of("\r\n") != std::string_view::npos) {
        return make_error("one header line at a time");
    }
    actions->headers_to_add.emplace_back(line);
    return ScriptValue{true};
}

Result<ScriptValue> remove_hf(CallContext& context, const Arguments& args) {
    script::RequestActions* actions = context.actions();
    if (actions == nullptr) return make_error("no message in this route");
    const std::string_view name = trim(args.string(0));
    if (!sip::is_token(name)) {
        std::string reason = "not a header name: ";
        reason.append(name);
        return make_error(std::move(reason));
    }
    const sip::HeaderId id = sip::header_id(name);
    // The headers the proxy keeps in order itself cannot be removed by name.
    if (id == sip::HeaderId::Via || id == sip::HeaderId::CSeq || id == sip::HeaderId::CallId ||
        id == sip::HeaderId::From || id == sip::HeaderId::To ||
        id == sip::HeaderId::ContentLength) {
        return make_error("the proxy needs the " + std::string(sip::header_name(id)) +
                          " header; it cannot be removed");
    }
    actions->headers_to_remove.emplace_back(name);
    const bool present = context.message() != nullptr && context.message()->has(name);
    return ScriptValue{present};
}

Result<ScriptValue> is_present_hf(CallContext& context, const Arguments& args) {
    if (context.message() == nullptr) return make_error("no message in this route");
    const std::string_view name = trim(args.string(0));
    return ScriptValue{context.message()->has(name)};
}

// True when the message carries an SDP body whose audio is on hold
// (sendonly, inactive or a 0.0.0.0 connection on every enabled audio stream).
Result<ScriptValue> is_audio_on_hold(CallContext& context, const Arguments&) {
    const sip::Message* message = context.message();
    if (message == nullptr) return make_error("no message in this route");
    const auto content_type = message->content_type();
    if (!content_type || !content_type->is("application", "sdp") || message->body().empty()) {
        return ScriptValue{false};
    }
    auto session = sdp::parse(message->body());
    if (!session) return ScriptValue{false};
    return ScriptValue{sdp::is_on_hold(*session)};
}

// create_dialog(), create_dialog(max_duration) or create_dialog("B"): the
// OpenSIPS flag B (BYE both legs when the dialog times out) is what Tandem
// always does; other OpenSIPS flags ask for features it does not have.
Result<ScriptValue> create_dialog(Proxy& proxy, CallContext& context, const Arguments& args) {
    std::optional<std::int64_t> max_duration;
    if (args.has(0)) {
        if (const auto* seconds = std::get_if<std::int64_t>(&args[0])) {
            max_duration = *seconds;
        } else {
            for (const char flag : std::get<std::string_view>(args[0])) {
                if (flag != 'B') {
                    return make_error(std::string("unsupported flag '") + flag +
                                      "' (Tandem knows B; give an integer for max_duration)");
                }
            }
        }
    }
    return proxy.create_dialog(context, max_duration);
}

}  // namespace

std::vector<script::ScriptModule> proxy_modules(Proxy* proxy) {
    const RouteKinds request = RouteKind::Request;
    const RouteKinds request_or_failure = RouteKind::Request | RouteKind::Failure;
    const RouteKinds request_or_reply = RouteKind::Request | RouteKind::Reply;
    const RouteKinds reply_or_failure = RouteKind::Reply | RouteKind::Failure;
    const RouteKinds message_routes = RouteKinds::message_routes();

    script::ScriptModule tm{
        .name = std::string(kTm),
        .params = {{"T1_timer", ParamType::Integer, ParamValue{std::int64_t{500}},
                    positive_milliseconds},
                   {"T2_timer", ParamType::Integer, ParamValue{std::int64_t{4000}},
                    positive_milliseconds},
                   {"T4_timer", ParamType::Integer, ParamValue{std::int64_t{5000}},
                    positive_milliseconds},
                   {"fr_inv_timeout", ParamType::Integer, ParamValue{std::int64_t{181}},
                    timer_c_seconds},
                   {"max_transactions", ParamType::Integer,
                    ParamValue{static_cast<std::int64_t>(kDefaultMaxTransactions)}, cap_count},
                   {"max_unreplied_invites", ParamType::Integer,
                    ParamValue{static_cast<std::int64_t>(kDefaultMaxUnrepliedInvites)}, cap_count},
                   {"overload_retry_after", ParamType::Integer, ParamValue{std::int64_t{5}},
                    retry_after_seconds}},
        .functions = {
            {"t_relay",
             {{"destination", ArgType::String, true}},
             bound(proxy, [](Proxy& p, CallContext& c,
                             const Arguments& a) { return p.t_relay(c, a.optional_string(0)); }),
             request_or_failure},
            {"t_on_failure",
             {{"route", ArgType::String}},
             bound(proxy, [](Proxy& p, CallContext& c,
                             const Arguments& a) { return p.t_on_failure(c, a.string(0)); }),
             request_or_failure},
            {"send_reply",
             {{"code", ArgType::Integer}, {"reason", ArgType::String, true}},
             bound(proxy,
                   [](Proxy& p, CallContext& c, const Arguments& a) {
                       return p.send_reply(c, a.integer(0), a.optional_string(1).value_or(""));
                   }),
             request_or_failure},
            {"t_on_reply",
             {{"route", ArgType::String}},
             bound(proxy, [](Proxy& p, CallContext& c,
                             const Arguments& a) { return p.t_on_reply(c, a.string(0)); }),
             request_or_failure},
            {"t_check_status",
             {{"pattern", ArgType::String}},
             bound(proxy, [](Proxy& p, CallContext& c,
                             const Arguments& a) { return p.t_check_status(c, a.string(0)); }),
             reply_or_failure},
            {"t_reply_code",
             {},
             bound(proxy,
                   [](Proxy& p, CallContext& c, const Arguments&) { return p.t_reply_code(c); }),
             reply_or_failure},
            {"drop",
             {},
             bound(proxy, [](Proxy& p, CallContext& c, const Arguments&) { return p.drop(c); }),
             request_or_reply},
        }};

    // OpenSIPS's sl module: only its error reply, the usual answer to a
    // failed t_relay().
    script::ScriptModule sl{.name = "sl",
                            .params = {},
                            .functions = {
                                {"sl_reply_error",
                                 {},
                                 bound(proxy, [](Proxy& p, CallContext& c,
                                                 const Arguments&) { return p.sl_reply_error(c); }),
                                 request_or_failure},
                            }};

    script::ScriptModule rr{.name = "rr",
                            .params = {},
                            .functions = {
                                {"record_route",
                                 {},
                                 bound(proxy, [](Proxy& p, CallContext& c,
                                                 const Arguments&) { return p.record_route(c); }),
                                 request},
                                {"loose_route",
                                 {},
                                 bound(proxy, [](Proxy& p, CallContext& c,
                                                 const Arguments&) { return p.loose_route(c); }),
                                 request},
                            }};

    script::ScriptModule sipmsgops{
        .name = "sipmsgops",
        .params = {},
        .functions = {
            {"append_hf", {{"header", ArgType::String}}, append_hf, message_routes},
            {"remove_hf", {{"name", ArgType::String}}, remove_hf, message_routes},
            {"is_present_hf", {{"name", ArgType::String}}, is_present_hf, message_routes},
            {"is_audio_on_hold", {}, is_audio_on_hold, message_routes},
        }};

    script::ScriptModule dialog{
        .name = std::string(kDialog),
        .params = {{"max_duration", ParamType::Integer, ParamValue{std::int64_t{0}}, not_negative},
                   {"max_dialogs", ParamType::Integer,
                    ParamValue{static_cast<std::int64_t>(kDefaultMaxDialogs)}, cap_count}},
        .functions = {
            {"create_dialog",
             {{"max_duration or flags", ArgType::Scalar, true}},
             bound(proxy, create_dialog),
             request},
            {"dlg_send_sequential",
             {{"method", ArgType::String},
              {"leg", ArgType::String},
              {"body", ArgType::String, true},
              {"content_type", ArgType::String, true},
              {"headers", ArgType::String, true}},
             bound(proxy,
                   [](Proxy& p, CallContext& c, const Arguments& a) {
                       return p.dlg_send_sequential(
                           c, a.string(0), a.string(1), a.optional_string(2).value_or(""),
                           a.optional_string(3).value_or(""), a.optional_string(4).value_or(""));
                   }),
             message_routes},
        }};

    std::vector<script::ScriptModule> modules;
    modules.push_back(std::move(tm));
    modules.push_back(std::move(sl));
    modules.push_back(std::move(rr));
    modules.push_back(std::move(sipmsgops));
    modules.push_back(std::move(dialog));
    return modules;
}

Status add_proxy_modules(script::ModuleRegistry& registry, Proxy* proxy) {
    for (script::ScriptModule& module : proxy_modules(proxy)) {
        if (auto added = registry.add(std::move(module)); !added) return added;
    }
    return {};
}

ProxyOptions proxy_options(const script::ScriptConfig& config) {
    ProxyOptions options;
    txn::TimerSettings& timers = options.transactions.timers;
    if (const auto t1 = config.integer_param(kTm, "T1_timer")) timers.t1 = txn::Duration(*t1);
    if (const auto t2 = config.integer_param(kTm, "T2_timer")) timers.t2 = txn::Duration(*t2);
    if (const auto t4 = config.integer_param(kTm, "T4_timer")) timers.t4 = txn::Duration(*t4);
    if (const auto timer_c = config.integer_param(kTm, "fr_inv_timeout")) {
        options.timer_c = std::chrono::seconds(*timer_c);
    }
    if (const auto max = config.integer_param(kDialog, "max_duration")) {
        options.max_duration = std::chrono::seconds(*max);
    }
    options.transactions.max_transactions = kDefaultMaxTransactions;
    if (const auto max = config.integer_param(kTm, "max_transactions")) {
        options.transactions.max_transactions = static_cast<std::size_t>(*max);
    }
    options.max_unreplied_invites = kDefaultMaxUnrepliedInvites;
    if (const auto max = config.integer_param(kTm, "max_unreplied_invites")) {
        options.max_unreplied_invites = static_cast<std::size_t>(*max);
    }
    options.max_dialogs = kDefaultMaxDialogs;
    if (const auto max = config.integer_param(kDialog, "max_dialogs")) {
        options.max_dialogs = static_cast<std::size_t>(*max);
    }
    if (const auto seconds = config.integer_param(kTm, "overload_retry_after")) {
        options.retry_after = std::chrono::seconds(*seconds);
    }
    return options;
}

}  // namespace tandem::proxy
