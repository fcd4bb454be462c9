// The messages of one proxied call as Tandem receives them, for the dialog
// tests. Alice (the caller) is behind two proxies p1 and p2, Bob (the callee)
// behind q1 and q2; Tandem record-routes once, between p2 and q1:
//
//   alice -- p1 -- p2 -- tandem -- q1 -- q2 -- bob
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "dialog/dialog.h"
#include "sip/message.h"
#include "sip/writer.h"

namespace tandem::dialog::testing {

inline constexpr std::string_view kCallId = "a84b4c76e66710@pc33.example.com";
inline constexpr std::string_view kAliceUri = "sip:alice@example.com";
inline constexpr std::string_view kAliceTag = "1928301774";
inline constexpr std::string_view kAliceContact = "sip:alice@192.0.2.10:5060";
inline constexpr std::string_view kBobUri = "sip:bob@example.net";
inline constexpr std::string_view kBobTag = "a6c85cf";
inline constexpr std::string_view kBobContact = "sip:bob@198.51.100.20:5070;transport=tcp";
// The Record-Route values of the INVITE as it reaches Tandem (caller side),
// of Tandem, and of the callee side as the 2xx carries them.
inline constexpr std::string_view kCallerSideRecordRoute =
    "<sip:p2.example.com;lr>, <sip:p1.example.com;lr>";
inline constexpr std::string_view kTandemRecordRoute = "<sip:tandem.example.org;lr>";
inline constexpr std::string_view kCalleeSideRecordRoute =
    "<sip:q2.example.net;lr>, <sip:q1.example.net;lr>";
// The route sets Tandem must use towards each leg.
inline constexpr std::string_view kRoutesToCaller =
    "<sip:p2.example.com;lr>, <sip:p1.example.com;lr>";
inline constexpr std::string_view kRoutesToCallee =
    "<sip:q1.example.net;lr>, <sip:q2.example.net;lr>";

inline constexpr std::string_view kCallerAddress = "udp:192.0.2.1:5060";
inline constexpr std::string_view kCalleeAddress = "tcp:198.51.100.2:5060";
inline constexpr std::uint32_t kInviteCSeq = 101;

inline constexpr std::string_view kAliceOffer =
    "v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\ns=-\r\n"
    "c=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=sendrecv\r\n";
inline constexpr std::string_view kBobAnswer =
    "v=0\r\no=bob 2808844564 2808844564 IN IP4 198.51.100.20\r\ns=-\r\n"
    "c=IN IP4 198.51.100.20\r\nt=0 0\r\nm=audio 3456 RTP/AVP 0\r\na=sendrecv\r\n";

inline const TimePoint kStart = TimePoint{} + std::chrono::hours(1000);

inline sip::Message parse_message(const std::string& text) {
    auto parsed = sip::Message::parse(text);
    EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().reason) << "\n" << text;
    if (!parsed.ok()) {
        // A minimal message so the test fails on its expectations, not a crash.
        return sip::Message::parse(
                   "OPTIONS sip:x@y SIP/2.0\r\nCall-ID: bad\r\nCSeq: 1 OPTIONS\r\n\r\n")
            .value();
    }
    return std::move(parsed).value();
}

inline std::string name_addr(std::string_view uri, std::string_view tag) {
    std::string text = "<" + std::string(uri) + ">";
    if (!tag.empty()) text += ";tag=" + std::string(tag);
    return text;
}

// Builders of the call's messages. Fields are public so a test can vary them.
struct Call {
    std::string call_id{kCallId};
    std::string caller_record_route{kCallerSideRecordRoute};
    std::string callee_record_route{kCalleeSideRecordRoute};

    sip::Message invite(std::string_view sdp = kAliceOffer) const {
        auto builder = sip::MessageBuilder::request(sip::Method::Invite, kBobUri);
        builder.header(sip::HeaderId::Via, "SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2")
            .header(sip::HeaderId::Via, "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa1");
        if (!caller_record_route.empty()) {
            builder.header(sip::HeaderId::RecordRoute, caller_record_route);
        }
        builder.header(sip::HeaderId::MaxForwards, "68")
            .header(sip::HeaderId::From, "\"Alice\" " + name_addr(kAliceUri, kAliceTag))
            .header(sip::HeaderId::To, name_addr(kBobUri, {}))
            .header(sip::HeaderId::CallId, call_id)
            .header(sip::HeaderId::CSeq, cseq_value(kInviteCSeq, "INVITE"))
            .header(sip::HeaderId::Contact, name_addr(kAliceContact, {}));
        if (!sdp.empty()) builder.body("application/sdp", sdp);
        return parse_message(builder.build());
    }

    // A reply to the initial INVITE from Bob's side; `contact` empty leaves
    // Contact out.
    sip::Message invite_reply(int status, std::string_view to_tag, std::string_view sdp = {},
                              std::string_view contact = kBobContact) const {
        auto builder = sip::MessageBuilder::response(status);
        builder.header(sip::HeaderId::Via, "SIP/2.0/UDP tandem.example.org;branch=z9hG4bKt1")
            .header(sip::HeaderId::Via, "SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2")
            .header(sip::HeaderId::Via, "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKa1");
        if (status > 100 && status < 300) {
            if (!callee_record_route.empty()) {
                builder.header(sip::HeaderId::RecordRoute, callee_record_route);
            }
            builder.header(sip::HeaderId::RecordRoute, kTandemRecordRoute);
            if (!caller_record_route.empty()) {
                builder.header(sip::HeaderId::RecordRoute, caller_record_route);
            }
        }
        builder.header(sip::HeaderId::From, "\"Alice\" " + name_addr(kAliceUri, kAliceTag))
            .header(sip::HeaderId::To, name_addr(kBobUri, to_tag))
            .header(sip::HeaderId::CallId, call_id)
            .header(sip::HeaderId::CSeq, cseq_value(kInviteCSeq, "INVITE"));
        if (!contact.empty() && status > 100) {
            builder.header(sip::HeaderId::Contact, name_addr(contact, {}));
        }
        if (!sdp.empty()) builder.body("application/sdp", sdp);
        return parse_message(builder.build());
    }

    // An in-dialog request sent by `from`, as Tandem receives it.
    sip::Message request(Side from, std::string_view method, std::uint32_t cseq,
                         std::string_view sdp = {}, std::string_view contact = {},
                         std::string_view extra_header = {}) const {
        const bool by_caller = from == Side::Caller;
        const std::string_view target = by_caller ? kBobContact : kAliceContact;
        auto builder = sip::MessageBuilder::request(method, target);
        builder
            .header(sip::HeaderId::Via, by_caller
                                            ? "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKr1"
                                            : "SIP/2.0/TCP 198.51.100.20:5070;branch=z9hG4bKr2")
            .header(sip::HeaderId::Route, kTandemRecordRoute)
            .header(sip::HeaderId::MaxForwards, "69")
            .header(sip::HeaderId::From,
                    by_caller ? name_addr(kAliceUri, kAliceTag) : name_addr(kBobUri, kBobTag))
            .header(sip::HeaderId::To,
                    by_caller ? name_addr(kBobUri, kBobTag) : name_addr(kAliceUri, kAliceTag))
            .header(sip::HeaderId::CallId, call_id)
            .header(sip::HeaderId::CSeq, cseq_value(cseq, method));
        if (!contact.empty()) builder.header(sip::HeaderId::Contact, name_addr(contact, {}));
        if (!extra_header.empty()) {
            const auto colon = extra_header.find(':');
            builder.header(extra_header.substr(0, colon), extra_header.substr(colon + 2));
        }
        if (!sdp.empty()) builder.body("application/sdp", sdp);
        return parse_message(builder.build());
    }

    // A reply from `replier` to an in-dialog request sent towards it.
    sip::Message request_reply(Side replier, int status, std::string_view method,
                               std::uint32_t cseq, std::string_view sdp = {},
                               std::string_view contact = {}) const {
        const bool request_by_caller = replier == Side::Callee;
        auto builder = sip::MessageBuilder::response(status);
        builder.header(sip::HeaderId::Via, "SIP/2.0/UDP tandem.example.org;branch=z9hG4bKt9")
            .header(sip::HeaderId::From, request_by_caller ? name_addr(kAliceUri, kAliceTag)
                                                           : name_addr(kBobUri, kBobTag))
            .header(sip::HeaderId::To, request_by_caller ? name_addr(kBobUri, kBobTag)
                                                         : name_addr(kAliceUri, kAliceTag))
            .header(sip::HeaderId::CallId, call_id)
            .header(sip::HeaderId::CSeq, cseq_value(cseq, method));
        if (!contact.empty()) builder.header(sip::HeaderId::Contact, name_addr(contact, {}));
        if (!sdp.empty()) builder.body("application/sdp", sdp);
        return parse_message(builder.build());
    }

    // A dialog created from invite(sdp), confirmed by a 200 from Bob (with
    // `answer`) and its ACK.
    Dialog confirmed(std::string_view offer = kAliceOffer, std::string_view answer = kBobAnswer,
                     const DialogOptions& options = {}) const {
        auto dialog =
            Dialog::from_initial_invite(7, invite(offer), {kCallerAddress, 0}, kStart, options);
        EXPECT_TRUE(dialog.ok()) << (dialog.ok() ? "" : dialog.error().reason);
        auto ok = dialog->on_reply(invite_reply(200, kBobTag, answer), {kCalleeAddress, 42},
                                   kStart + std::chrono::seconds(5));
        EXPECT_TRUE(ok.ok());
        auto ack = dialog->on_request(request(Side::Caller, "ACK", kInviteCSeq), Side::Caller,
                                      kStart + std::chrono::seconds(5));
        EXPECT_TRUE(ack.ok());
        EXPECT_EQ(dialog->state(), State::Confirmed);
        return std::move(dialog).value();
    }
};

// The header lines of a message text, without the first line and the body.
inline std::vector<std::string> header_lines(std::string_view text) {
    std::vector<std::string> lines;
    const std::size_t head_end = text.find("\r\n\r\n");
    std::string_view head = text.substr(0, head_end);
    head.remove_prefix(std::min(head.find("\r\n") + 2, head.size()));
    while (!head.empty()) {
        const std::size_t end = std::min(head.find("\r\n"), head.size());
        lines.emplace_back(head.substr(0, end));
        head.remove_prefix(std::min(end + 2, head.size()));
    }
    return lines;
}

inline std::string_view first_line(std::string_view text) {
    return text.substr(0, text.find("\r\n"));
}

inline std::string_view body_of(std::string_view text) {
    const std::size_t head_end = text.find("\r\n\r\n");
    return head_end == std::string_view::npos ? std::string_view{} : text.substr(head_end + 4);
}

}  // namespace tandem::dialog::testing
