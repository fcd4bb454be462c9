// Well-known SIP header names as enum ids, so a message looks a header up by
// slot instead of comparing strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tandem::sip {

// Every header Tandem knows by name. A header with any other name is
// HeaderId::Other and keeps its name as written.
enum class HeaderId : std::uint8_t {
    Other,  // not a well-known header: compare by name
    Accept,
    AcceptContact,
    AcceptEncoding,
    AcceptLanguage,
    AlertInfo,
    Allow,
    AllowEvents,
    AuthenticationInfo,
    Authorization,
    CallId,
    CallInfo,
    Contact,
    ContentDisposition,
    ContentEncoding,
    ContentLanguage,
    ContentLength,
    ContentType,
    CSeq,
    Date,
    ErrorInfo,
    Event,
    Expires,
    From,
    Identity,
    IdentityInfo,
    InReplyTo,
    MaxForwards,
    MimeVersion,
    MinExpires,
    MinSE,
    Organization,
    PAssertedIdentity,
    Path,
    PPreferredIdentity,
    Priority,
    Privacy,
    ProxyAuthenticate,
    ProxyAuthorization,
    ProxyRequire,
    RAck,
    Reason,
    RecordRoute,
    ReferredBy,
    ReferTo,
    RejectContact,
    Replaces,
    ReplyTo,
    RequestDisposition,
    Require,
    RetryAfter,
    Route,
    RSeq,
    Server,
    ServiceRoute,
    SessionExpires,
    SipETag,
    SipIfMatch,
    Subject,
    SubscriptionState,
    Supported,
    Timestamp,
    To,
    Unsupported,
    UserAgent,
    Via,
    Warning,
    WwwAuthenticate,
};

inline constexpr std::size_t kHeaderIdCount =
    static_cast<std::size_t>(HeaderId::WwwAuthenticate) + 1;

// Resolves a header name as written (any case, full or compact form: "v",
// "VIA" and "Via" are all HeaderId::Via). Returns HeaderId::Other for names
// that are not well known.
HeaderId header_id(std::string_view name);

// The canonical full name ("Call-ID", "CSeq", "WWW-Authenticate"); "" for
// HeaderId::Other.
std::string_view header_name(HeaderId id);

// The one-letter compact form (RFC 3261 section 7.3.3 and extensions), or '\0'
// when the header has none.
char compact_form(HeaderId id);

// True for headers whose grammar allows a comma-separated list of values
// (Via, Contact, Route, Supported ...), so a comma splits values. False for
// single-value headers and for headers whose values may contain bare commas
// (Date, WWW-Authenticate ...).
bool is_list_header(HeaderId id);

}  // namespace tandem::sip
