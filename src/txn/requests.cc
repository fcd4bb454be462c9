#include "txn/requests.h"

#include "base/strings.h"
#include "sip/header_id.h"
#include "sip/writer.h"

namespace tandem::txn {

namespace {

// The headers both requests copy from the INVITE; `to` is the To value.
Result<sip::MessageBuilder> start_hop_request(const sip::Message& invite, std::string_view method,
                                              std::string_view to) {
    if (invite.method() != sip::Method::Invite) return make_error("Not an INVITE", 500);
    const auto via = invite.top_via();
    const auto from = invite.header(sip::HeaderId::From);
    const auto cseq = invite.cseq();
    if (!via || !from || !cseq || invite.call_id().empty()) {
        return make_error("INVITE lacks Via, From, Call-ID or CSeq", 500);
    }
    auto builder = sip::MessageBuilder::request(method, invite.request_uri_text());
    builder.header(sip::HeaderId::Via, via->text)
        .header(sip::HeaderId::From, *from)
        .header(sip::HeaderId::To, to)
        .header(sip::HeaderId::CallId, invite.call_id())
        .header(sip::HeaderId::CSeq, std::to_string(cseq->number) + " " + std::string(method))
        .copy_headers(invite, sip::HeaderId::Route)
        .header(sip::HeaderId::MaxForwards, "70");
    return builder;
}

}  // namespace

Result<std::string> build_ack(const sip::Message& invite, const sip::Message& response) {
    const auto to = response.header(sip::HeaderId::To);
    if (!to) return make_error("Response lacks To", 500);
    auto builder = start_hop_request(invite, "ACK", *to);
    if (!builder) return builder.error();
    return builder->build();
}

Result<std::string> build_cancel(const sip::Message& invite, std::string_view reason) {
    const auto to = invite.header(sip::HeaderId::To);
    if (!to) return make_error("INVITE lacks To", 500);
    auto builder = start_hop_request(invite, "CANCEL", *to);
    if (!builder) return builder.error();
    if (!reason.empty()) builder->header(sip::HeaderId::Reason, reason);
    return builder->build();
}

std::optional<int> status_of(std::string_view response) {
    // The version token compares case-insensitively (RFC 3261 7.1).
    constexpr std::string_view kVersion = "SIP/2.0 ";
    if (response.size() < kVersion.size() + 3 ||
        !iequals(response.substr(0, kVersion.size()), kVersion)) {
        return std::nullopt;
    }
    const auto code = parse_uint(response.substr(kVersion.size(), 3));
    if (!code || *code < 100 || *code > 699) return std::nullopt;
    if (response.size() > kVersion.size() + 3) {
        const char after = response[kVersion.size() + 3];
        if (after != ' ' && after != '\r' && after != '\n') return std::nullopt;
    }
    return static_cast<int>(*code);
}

}  // namespace tandem::txn
