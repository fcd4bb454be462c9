// Writing messages: build a new one from scratch (MessageBuilder,
// response_to), or derive one from a received Message with an ordered list of
// edits applied in a single pass at serialisation (EditList). Either way the
// output's Content-Length is always correct.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sip/header_id.h"
#include "sip/message.h"
#include "sip/method.h"

namespace tandem::sip {

// Builds a message line by line: the first line, the headers in the order
// they are added, then Content-Length (computed; any Content-Length added by
// hand is dropped) and the body.
class MessageBuilder {
  public:
    static MessageBuilder request(std::string_view method, std::string_view request_uri);
    static MessageBuilder request(Method method, std::string_view request_uri);
    // An empty reason uses default_reason_phrase(status).
    static MessageBuilder response(int status, std::string_view reason = {});

    // Appends "Name: value" with the canonical full name of `id`.
    MessageBuilder& header(HeaderId id, std::string_view value);
    // Appends "name: value" with the name as given.
    MessageBuilder& header(std::string_view name, std::string_view value);
    // Appends every line of header `id` of `message`, values as written.
    MessageBuilder& copy_headers(const Message& message, HeaderId id);
    // Sets the body and its Content-Type (added when not empty).
    MessageBuilder& body(std::string_view content_type, std::string_view body);

    // The message text.
    std::string build() const;

  private:
    explicit MessageBuilder(std::string first_line);
    std::string head_;  // first line and headers, CRLF-terminated lines
    std::string content_type_;
    std::string body_;
};

// Starts a response to `request` as RFC 3261 section 8.2.6.2 says: all Via
// lines in order, From, To, Call-ID and CSeq copied; a To tag appended when the
// request's To has none, `to_tag` is not empty and the status is not 100; the
// Timestamp copied into a 100 (section 8.2.6.1). Add further headers (e.g.
// copy_headers(request, HeaderId::RecordRoute) for a dialog-creating response)
// before build().
MessageBuilder response_to(const Message& request, int status, std::string_view reason = {},
                           std::string_view to_tag = {});

// A Via value "SIP/2.0/<transport> <host>[:port];branch=<branch>[;rport]";
// port 0 leaves the port out. IPv6 hosts must be given in brackets.
std::string make_via(std::string_view transport, std::string_view host, std::uint16_t port,
                     std::string_view branch, bool rport = false);

// Derives a message from a received one. Edits are recorded in order and
// applied, in that order, when serialize() runs: each edit sees the header
// list as the edits before it left it (so removing Via after prepend_via
// removes the new Via too). Original lines no edit touches are copied byte for
// byte. Content-Length is always rewritten to match the outgoing body
// (edits of Content-Length itself are ignored); an original Content-Length
// line that is already right is kept as written.
//
// The EditList refers to `base`, which must outlive it; edit values are
// copied into the EditList.
class EditList {
  public:
    enum class Position : std::uint8_t { Top, Bottom };

    explicit EditList(const Message& base);

    const Message& base() const { return *base_; }

    // First line.
    EditList& set_request_uri(std::string_view uri);            // requests
    EditList& set_status(int status, std::string_view reason);  // responses

    // Adds a header line at the top or bottom of the header section.
    EditList& add(HeaderId id, std::string_view value, Position where = Position::Bottom);
    EditList& add(std::string_view name, std::string_view value, Position where = Position::Bottom);
    // Adds a header line before the first line of `anchor`; at the bottom
    // when there is none.
    EditList& add_before(HeaderId anchor, HeaderId id, std::string_view value);
    EditList& add_before(HeaderId anchor, std::string_view name, std::string_view value);
    // A new topmost Via (before the first Via; at the top when none).
    EditList& prepend_via(std::string_view value);

    // Removes every line of a header.
    EditList& remove(HeaderId id);
    EditList& remove(std::string_view name);
    // Removes the first value of a list header: the whole first line when it
    // holds one value, else just its first comma-separated element (pops the
    // top Via or the top Route). No effect when the header is absent.
    EditList& remove_first_value(HeaderId id);

    // Replaces every line of a header by one line with `value`, at the place
    // of its first line; adds it at the bottom when absent.
    EditList& replace(HeaderId id, std::string_view value);
    EditList& replace(std::string_view name, std::string_view value);

    // Replaces the body. A non-empty content type replaces (or adds)
    // Content-Type; an empty one leaves Content-Type as it is.
    EditList& set_body(std::string_view content_type, std::string_view body);
    // Removes the body and the Content-Type header.
    EditList& remove_body();

    std::size_t size() const { return edits_.size(); }
    bool empty() const { return edits_.empty(); }

    // The derived message text.
    std::string serialize() const;
    // Same, into `out` (its previous contents are replaced; its capacity is
    // reused).
    void serialize_to(std::string& out) const;

  private:
    enum class Kind : std::uint8_t {
        SetRequestUri,
        SetStatus,
        Add,
        AddBefore,
        Remove,
        RemoveFirstValue,
        Replace,
        SetBody,
        RemoveBody,
    };
    struct Span {
        std::uint32_t offset = 0;
        std::uint32_t size = 0;
    };
    struct Edit {
        Kind kind;
        Position where = Position::Bottom;
        HeaderId id = HeaderId::Other;      // the header edited
        HeaderId anchor = HeaderId::Other;  // AddBefore
        int status = 0;                     // SetStatus
        Span name;                          // the header name (for HeaderId::Other) in arena_
        Span value;                         // value / URI / reason / body in arena_
        Span extra;                         // content type of SetBody
    };
    Span store(std::string_view text);
    std::string_view view(Span span) const;
    void push_named(Kind kind, HeaderId id, std::string_view name, std::string_view value,
                    Position where, HeaderId anchor);
    friend struct EditApplier;

    const Message* base_;
    std::vector<Edit> edits_;
    std::string arena_;  // every text an edit carries, back to back
};

}  // namespace tandem::sip
