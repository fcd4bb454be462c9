// A received SIP message: the bytes it arrived in, the first line and an index
// of its header lines built once by parse(), and structured headers parsed on
// first access and cached. Every view a Message hands out points into storage
// the Message owns and that does not move when the Message is moved, so views
// stay valid for the Message's lifetime, across moves.
//
// A Message is used by one thread at a time (the lazy caches are not
// synchronised). It is move-only; clone() makes an independent copy.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "sip/header_id.h"
#include "sip/headers.h"
#include "sip/method.h"
#include "sip/uri.h"

namespace tandem::sip {

// Hard limits parse() enforces on any input (a fuzzer's or an attacker's).
inline constexpr std::size_t kMaxHeaderLines = 256;
inline constexpr std::size_t kMaxMessageBytes = 16 * 1024 * 1024;

// One header line of a message.
struct HeaderView {
    HeaderId id = HeaderId::Other;
    std::string_view name;   // as written ("v", "VIA", "X-Custom")
    std::string_view value;  // trimmed; may contain folded line breaks
    std::string_view raw;    // the whole line(s), line terminator included
};

// The outcome of a lazy structured access to a single-value header: absent,
// present and parsed, or present but malformed (with a reason fit for a 400
// reason phrase, e.g. "Bad CSeq"). Points into the Message's cache: valid
// while the Message lives.
template <typename T>
class Parsed {
  public:
    Parsed() = default;  // absent
    static Parsed of(const T* value) { return Parsed(value, {}); }
    static Parsed failure(std::string_view reason) { return Parsed(nullptr, reason); }

    bool present() const { return value_ != nullptr || !reason_.empty(); }
    bool ok() const { return value_ != nullptr; }
    explicit operator bool() const { return ok(); }

    const T& operator*() const {
        assert(value_ != nullptr);
        return *value_;
    }
    const T* operator->() const {
        assert(value_ != nullptr);
        return value_;
    }
    const T* get() const { return value_; }  // nullptr unless ok()
    // The value, or `fallback` when absent or malformed.
    T value_or(T fallback) const { return value_ != nullptr ? *value_ : fallback; }

    // Why a present header did not parse; "" otherwise.
    std::string_view reason() const { return reason_; }
    Error error() const { return make_error(std::string(reason_)); }

  private:
    Parsed(const T* value, std::string_view reason) : value_(value), reason_(reason) {}
    const T* value_ = nullptr;
    std::string_view reason_;
};

namespace detail {
struct MessageData;
}

class Message {
  public:
    // Parses a message, copying `bytes` into storage the Message owns.
    static Result<Message> parse(std::string_view bytes);
    // Parses a message from a buffer the Message takes over.
    static Result<Message> parse(std::unique_ptr<char[]> bytes, std::size_t size);

    Message(Message&&) noexcept;
    Message& operator=(Message&&) noexcept;
    Message(const Message&) = delete;
    Message& operator=(const Message&) = delete;
    ~Message();

    // An independent copy of the message (same bytes, fresh caches).
    Message clone() const;

    // ---- first line -----------------------------------------------------
    bool is_request() const;
    bool is_response() const { return !is_request(); }
    std::string_view first_line() const;  // without its line terminator
    std::string_view version() const;     // "SIP/2.0"

    // Requests.
    Method method() const;                 // Method::Other for responses too
    std::string_view method_text() const;  // as written; "" for responses
    std::string_view request_uri_text() const;
    Parsed<Uri> request_uri() const;  // absent for responses

    // Responses.
    int status_code() const;  // 0 for requests
    std::string_view reason_phrase() const;

    // ---- raw bytes ------------------------------------------------------
    std::string_view bytes() const;  // the whole message as received
    // The body. With a valid Content-Length not larger than what arrived,
    // exactly that many bytes (a longer datagram body is truncated, RFC 3261
    // section 18.3); otherwise everything after the blank line.
    std::string_view body() const;
    // The bytes after the header section that arrived (before truncation).
    std::string_view received_body() const;

    // ---- generic header access ------------------------------------------
    std::size_t header_count() const;
    HeaderView header_at(std::size_t index) const;  // index < header_count()

    // Iterates the lines of one header in order.
    class HeaderRange;
    HeaderRange headers(HeaderId id) const;
    // By name: a well-known name (full or compact, any case) selects by id;
    // any other name compares case-insensitively. The range keeps a view of
    // `name`, which must outlive it.
    HeaderRange headers(std::string_view name) const;

    bool has(HeaderId id) const;
    bool has(std::string_view name) const;
    std::size_t count(HeaderId id) const;  // number of lines
    // The value of the first line of a header; nullopt when absent.
    std::optional<std::string_view> header(HeaderId id) const;
    std::optional<std::string_view> header(std::string_view name) const;

    // ---- structured headers (parsed on first access, cached) -------------
    // List headers: every element of every line, in order; an empty span when
    // the header is absent; an error when any element is malformed.
    Result<std::span<const Via>> vias() const;
    // The first Via element. Asked before vias(), it parses only that element
    // (what a proxy needs to match a transaction), so it can succeed where
    // vias() later reports a malformed element further down.
    Parsed<Via> top_via() const;
    Result<std::span<const Contact>> contacts() const;
    Result<std::span<const NameAddr>> routes() const;
    Result<std::span<const NameAddr>> record_routes() const;

    // Single-value headers: the first line.
    Parsed<FromTo> from() const;
    Parsed<FromTo> to() const;
    std::string_view call_id() const;  // trimmed value; "" when absent
    Parsed<CSeq> cseq() const;
    Parsed<std::uint32_t> max_forwards() const;
    Parsed<std::uint32_t> content_length() const;
    Parsed<std::uint32_t> expires() const;
    Parsed<ContentType> content_type() const;
    Parsed<Event> event() const;
    Parsed<NameAddr> refer_to() const;
    Parsed<NameAddr> referred_by() const;
    Parsed<Replaces> replaces() const;
    Parsed<SessionExpires> session_expires() const;
    Parsed<MinSE> min_se() const;

    // Token list headers (Require, Supported, Unsupported, Allow,
    // Proxy-Require, Allow-Events ...): all elements of all lines, in order.
    // Not cached: each call scans the lines again.
    Result<std::vector<std::string_view>> tokens(HeaderId id) const;
    // Whether a token list header holds `token` (case-insensitive); no
    // allocation.
    bool has_token(HeaderId id, std::string_view token) const;
    // Any name-addr list header (Path, P-Asserted-Identity, Reply-To ...).
    // Not cached.
    Result<std::vector<NameAddr>> name_addrs(HeaderId id) const;

    class HeaderRange {
      public:
        class Iterator {
          public:
            using value_type = HeaderView;
            using difference_type = std::ptrdiff_t;
            Iterator() = default;
            HeaderView operator*() const;
            Iterator& operator++();
            Iterator operator++(int) {
                Iterator old = *this;
                ++*this;
                return old;
            }
            friend bool operator==(const Iterator& a, const Iterator& b) {
                return a.index_ == b.index_;
            }

          private:
            friend class HeaderRange;
            Iterator(const HeaderRange* range, std::size_t index) : range_(range), index_(index) {}
            const HeaderRange* range_ = nullptr;
            std::size_t index_ = 0;
        };
        Iterator begin() const;
        Iterator end() const;
        bool empty() const { return begin() == end(); }
        std::size_t size() const;

      private:
        friend class Message;
        HeaderRange(const Message* message, HeaderId id, std::string_view name, bool by_name)
            : message_(message), id_(id), name_(name), by_name_(by_name) {}
        bool matches_name(std::size_t index) const;
        std::size_t first() const;                   // index of the first match
        std::size_t after(std::size_t index) const;  // index of the match after `index`
        const Message* message_;
        HeaderId id_;
        std::string_view name_;  // only for HeaderId::Other
        bool by_name_;           // lines of HeaderId::Other named name_, not all of them
    };

  private:
    explicit Message(std::unique_ptr<detail::MessageData> data);
    static Result<Message> finish_parse(std::unique_ptr<detail::MessageData> data);
    std::unique_ptr<detail::MessageData> data_;
};

}  // namespace tandem::sip
