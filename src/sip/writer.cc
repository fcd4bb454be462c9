#include "sip/writer.h"

#include <algorithm>
#include <charconv>
#include <type_traits>

#include "base/strings.h"

namespace tandem::sip {
namespace {

constexpr std::string_view kCrlf = "\r\n";

std::string decimal(std::size_t value) {
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append(kCrlf);
}

}  // namespace

// ---- MessageBuilder ----------------------------------------------------------

MessageBuilder::MessageBuilder(std::string first_line) : head_(std::move(first_line)) {
    head_.append(kCrlf);
}

MessageBuilder MessageBuilder::request(std::string_view method, std::string_view request_uri) {
    std::string line;
    line.reserve(method.size() + request_uri.size() + 10);
    line.append(method).append(" ").append(request_uri).append(" SIP/2.0");
    return MessageBuilder(std::move(line));
}

MessageBuilder MessageBuilder::request(Method method, std::string_view request_uri) {
    return request(method_name(method), request_uri);
}

MessageBuilder MessageBuilder::response(int status, std::string_view reason) {
    if (reason.empty()) reason = default_reason_phrase(status);
    std::string line = "SIP/2.0 ";
    line.append(decimal(static_cast<std::size_t>(status < 0 ? 0 : status)));
    line.append(" ").append(reason);
    return MessageBuilder(std::move(line));
}

MessageBuilder& MessageBuilder::header(HeaderId id, std::string_view value) {
    if (id == HeaderId::ContentLength) return *this;  // computed by build()
    append_header(head_, header_name(id), value);
    return *this;
}

MessageBuilder& MessageBuilder::header(std::string_view name, std::string_view value) {
    if (header_id(name) == HeaderId::ContentLength) return *this;
    append_header(head_, name, value);
    return *this;
}

MessageBuilder& MessageBuilder::copy_headers(const Message& message, HeaderId id) {
    for (const HeaderView line : message.headers(id))
        header(id, line.value);
    return *this;
}

MessageBuilder& MessageBuilder::body(std::string_view content_type, std::string_view body) {
    content_type_ = content_type;
    body_ = body;
    return *this;
}

std::string MessageBuilder::build() const {
    const std::string length = decimal(body_.size());
    std::string out;
    out.reserve(head_.size() + content_type_.size() + length.size() + body_.size() + 40);
    out.append(head_);
    if (!content_type_.empty()) append_header(out, "Content-Type", content_type_);
    append_header(out, "Content-Length", length);
    out.append(kCrlf).append(body_);
    return out;
}

MessageBuilder response_to(const Message& request, int status, std::string_view reason,
                           std::string_view to_tag) {
    MessageBuilder builder = MessageBuilder::response(status, reason);
    builder.copy_headers(request, HeaderId::Via);
    builder.copy_headers(request, HeaderId::From);
    if (auto to = request.header(HeaderId::To)) {
        const auto parsed = request.to();
        if (!to_tag.empty() && status != 100 && parsed && parsed->tag.empty()) {
            std::string value(*to);
            value.append(";tag=").append(to_tag);
            builder.header(HeaderId::To, value);
        } else {
            builder.header(HeaderId::To, *to);
        }
    }
    builder.copy_headers(request, HeaderId::CallId);
    builder.copy_headers(request, HeaderId::CSeq);
    if (status == 100) builder.copy_headers(request, HeaderId::Timestamp);
    return builder;
}

std::string make_via(std::string_view transport, std::string_view host, std::uint16_t port,
                     std::string_view branch, bool rport) {
    std::string via = "SIP/2.0/";
    via.append(transport).append(" ").append(host);
    if (port != 0) via.append(":").append(decimal(port));
    via.append(";branch=").append(branch);
    if (rport) via.append(";rport");
    return via;
}

// ---- EditList ----------------------------------------------------------------------

EditList::EditList(const Message& base) : base_(&base) {
    // Room for what a proxy typically does, so recording the edits costs
    // two allocations, not one per edit.
    edits_.reserve(8);
    arena_.reserve(256);
}

EditList::Span EditList::store(std::string_view text) {
    const Span span{static_cast<std::uint32_t>(arena_.size()),
                    static_cast<std::uint32_t>(text.size())};
    arena_.append(text);
    return span;
}

std::string_view EditList::view(Span span) const {
    return std::string_view(arena_).substr(span.offset, span.size);
}

void EditList::push_named(Kind kind, HeaderId id, std::string_view name, std::string_view value,
                          Position where, HeaderId anchor) {
    Edit edit{};
    edit.kind = kind;
    edit.where = where;
    edit.anchor = anchor;
    edit.id = id == HeaderId::Other ? header_id(name) : id;
    if (edit.id == HeaderId::Other) edit.name = store(name);
    edit.value = store(value);
    edits_.push_back(edit);
}

EditList& EditList::set_request_uri(std::string_view uri) {
    Edit edit{};
    edit.kind = Kind::SetRequestUri;
    edit.value = store(uri);
    edits_.push_back(edit);
    return *this;
}

EditList& EditList::set_status(int status, std::string_view reason) {
    Edit edit{};
    edit.kind = Kind::SetStatus;
    edit.status = status;
    edit.value = store(reason.empty() ? default_reason_phrase(status) : reason);
    edits_.push_back(edit);
    return *this;
}

EditList& EditList::add(HeaderId id, std::string_view value, Position where) {
    push_named(Kind::Add, id, {}, value, where, HeaderId::Other);
    return *this;
}

EditList& EditList::add(std::string_view name, std::string_view value, Position where) {
    push_named(Kind::Add, HeaderId::Other, name, value, where, HeaderId::Other);
    return *this;
}

EditList& EditList::add_before(HeaderId anchor, HeaderId id, std::string_view value) {
    push_named(Kind::AddBefore, id, {}, value, Position::Bottom, anchor);
    return *this;
}

EditList& EditList::add_before(HeaderId anchor, std::string_view name, std::string_view value) {
    push_named(Kind::AddBefore, HeaderId::Other, name, value, Position::Bottom, anchor);
    return *this;
}

EditList& EditList::prepend_via(std::string_view value) {
    push_named(Kind::AddBefore, HeaderId::Via, {}, value, Position::Top, HeaderId::Via);
    return *this;
}

EditList& EditList::remove(HeaderId id) {
    push_named(Kind::Remove, id, {}, {}, Position::Bottom, HeaderId::Other);
    return *this;
}

EditList& EditList::remove(std::string_view name) {
    push_named(Kind::Remove, HeaderId::Other, name, {}, Position::Bottom, HeaderId::Other);
    return *this;
}

EditList& EditList::remove_first_value(HeaderId id) {
    push_named(Kind::RemoveFirstValue, id, {}, {}, Position::Bottom, HeaderId::Other);
    return *this;
}

EditList& EditList::replace(HeaderId id, std::string_view value) {
    push_named(Kind::Replace, id, {}, value, Position::Bottom, HeaderId::Other);
    return *this;
}

EditList& EditList::replace(std::string_view name, std::string_view value) {
    push_named(Kind::Replace, HeaderId::Other, name, value, Position::Bottom, HeaderId::Other);
    return *this;
}

EditList& EditList::set_body(std::string_view content_type, std::string_view body) {
    Edit edit{};
    edit.kind = Kind::SetBody;
    edit.value = store(body);
    edit.extra = store(content_type);
    edits_.push_back(edit);
    return *this;
}

EditList& EditList::remove_body() {
    Edit edit{};
    edit.kind = Kind::RemoveBody;
    edits_.push_back(edit);
    return *this;
}

// Applies the edits to a working copy of the header list, then writes the
// result in one pass into a buffer sized up front.
struct EditApplier {
    // One header line of the outgoing message.
    struct Line {
        HeaderId id = HeaderId::Other;
        std::string_view name;
        std::string_view value;
        std::string_view raw;  // original bytes; empty for new or changed lines
        bool dropped = false;  // a duplicate Content-Length, left out
    };

    // The working header list. Its size is bounded up front (the original
    // lines plus one per edit), so it lives on the stack for any usual
    // message and nothing moves once it is set up.
    class LineList {
        static_assert(std::is_trivially_copyable_v<Line> && std::is_trivially_destructible_v<Line>);

      public:
        explicit LineList(std::size_t capacity) {
            if (capacity > kInline) {
                heap_.resize(capacity);
                data_ = heap_.data();
            }
        }
        LineList(const LineList&) = delete;
        LineList& operator=(const LineList&) = delete;

        std::size_t size() const { return size_; }
        Line& operator[](std::size_t index) { return data_[index]; }
        const Line& operator[](std::size_t index) const { return data_[index]; }
        const Line* begin() const { return data_; }
        const Line* end() const { return data_ + size_; }

        void push_back(const Line& line) { insert(size_, line); }
        void insert(std::size_t index, const Line& line) {
            std::copy_backward(data_ + index, data_ + size_, data_ + size_ + 1);
            data_[index] = line;
            ++size_;
        }
        void erase(std::size_t index) {
            std::copy(data_ + index + 1, data_ + size_, data_ + index);
            --size_;
        }
        void resize(std::size_t size) { size_ = size; }

      private:
        static constexpr std::size_t kInline = 48;
        union Storage {
            Storage() {}  // NOLINT(modernize-use-equals-default): must not initialise
            Line items[kInline];
        };
        Storage inline_;
        std::vector<Line> heap_;
        Line* data_ = inline_.items;
        std::size_t size_ = 0;
    };

    explicit EditApplier(const EditList& list)
        : edits(list), message(*list.base_), lines(message.header_count() + edits.edits_.size()) {
        for (std::size_t i = 0; i < message.header_count(); ++i) {
            const HeaderView header = message.header_at(i);
            lines.push_back(Line{header.id, header.name, header.value, header.raw});
        }
        body = message.body();
    }

    bool matches(const Line& line, HeaderId id, std::string_view name) const {
        if (id != HeaderId::Other) return line.id == id;
        return line.id == HeaderId::Other && iequals(line.name, name);
    }

    std::size_t find_first(HeaderId id, std::string_view name) const {
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (matches(lines[i], id, name)) return i;
        }
        return lines.size();
    }

    void remove_all(HeaderId id, std::string_view name, std::size_t keep = SIZE_MAX) {
        std::size_t out = 0;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (i != keep && matches(lines[i], id, name)) continue;
            lines[out++] = lines[i];
        }
        lines.resize(out);
    }

    Line new_line(HeaderId id, std::string_view name, std::string_view value) const {
        return Line{id, id == HeaderId::Other ? name : header_name(id), value, {}};
    }

    void replace(HeaderId id, std::string_view name, std::string_view value) {
        const std::size_t first = find_first(id, name);
        if (first == lines.size()) {
            lines.push_back(new_line(id, name, value));
            return;
        }
        lines[first].value = value;
        lines[first].raw = {};
        remove_all(id, name, first);
    }

    void pop_first_value(HeaderId id) {
        const std::size_t first = find_first(id, {});
        if (first == lines.size()) return;
        Line& line = lines[first];
        ValueSplitter splitter(line.value);
        const auto head = splitter.next();
        const auto second = head ? splitter.next() : std::nullopt;
        if (!second) {
            lines.erase(first);
            return;
        }
        const std::size_t offset = static_cast<std::size_t>(second->data() - line.value.data());
        line.value = line.value.substr(offset);
        line.raw = {};
    }

    void apply() {
        for (const EditList::Edit& edit : edits.edits_) {
            const std::string_view name = edits.view(edit.name);
            const std::string_view value = edits.view(edit.value);
            switch (edit.kind) {
                case EditList::Kind::SetRequestUri:
                    request_uri = value;
                    first_line_changed = true;
                    break;
                case EditList::Kind::SetStatus:
                    status = edit.status;
                    reason = value;
                    first_line_changed = true;
                    break;
                case EditList::Kind::Add:
                    if (edit.where == EditList::Position::Top) {
                        lines.insert(0, new_line(edit.id, name, value));
                    } else {
                        lines.push_back(new_line(edit.id, name, value));
                    }
                    break;
                case EditList::Kind::AddBefore: {
                    std::size_t at = find_first(edit.anchor, {});
                    // prepend_via asks for the top when there is no Via.
                    if (at == lines.size() && edit.where == EditList::Position::Top) at = 0;
                    lines.insert(at, new_line(edit.id, name, value));
                    break;
                }
                case EditList::Kind::Remove:
                    remove_all(edit.id, name);
                    break;
                case EditList::Kind::RemoveFirstValue:
                    pop_first_value(edit.id);
                    break;
                case EditList::Kind::Replace:
                    replace(edit.id, name, value);
                    break;
                case EditList::Kind::SetBody: {
                    body = value;
                    const std::string_view content_type = edits.view(edit.extra);
                    if (!content_type.empty()) replace(HeaderId::ContentType, {}, content_type);
                    break;
                }
                case EditList::Kind::RemoveBody:
                    body = {};
                    remove_all(HeaderId::ContentType, {});
                    break;
            }
        }
    }

    std::string first_line() const {
        std::string line;
        if (message.is_request()) {
            line.append(message.method_text()).append(" ").append(request_uri);
            line.append(" ").append(message.version());
        } else {
            line.append(message.version()).append(" ");
            line.append(decimal(static_cast<std::size_t>(status < 0 ? 0 : status)));
            line.append(" ").append(reason);
        }
        return line;
    }

    // The original first line with its terminator.
    std::string_view original_first_line() const {
        const std::string_view bytes = message.bytes();
        const std::string_view line = message.first_line();
        const std::size_t begin = static_cast<std::size_t>(line.data() - bytes.data());
        const std::size_t newline = bytes.find('\n', begin + line.size());
        return bytes.substr(begin, newline - begin + 1);
    }

    static std::size_t line_size(const Line& line) {
        if (!line.raw.empty()) return line.raw.size();
        return line.name.size() + 2 + line.value.size() + kCrlf.size();
    }

    void write(std::string& out) {
        apply();
        const std::string changed_first_line = first_line_changed ? first_line() : std::string();
        const std::string_view head_line =
            first_line_changed ? std::string_view(changed_first_line) : original_first_line();
        const std::string length = decimal(body.size());

        // Content-Length goes where the first one was (at the end when none);
        // an original line already carrying the right length stays as is.
        std::size_t length_at = lines.size();
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (lines[i].id != HeaderId::ContentLength) continue;
            if (length_at == lines.size()) {
                length_at = i;
                const bool right =
                    !lines[i].raw.empty() && parse_uint(trim(lines[i].value)) == body.size();
                if (!right) lines[i] = new_line(HeaderId::ContentLength, {}, length);
            } else {
                lines[i].dropped = true;
            }
        }
        const Line appended_length = new_line(HeaderId::ContentLength, {}, length);

        std::size_t total = head_line.size() + (first_line_changed ? kCrlf.size() : 0);
        for (const Line& line : lines) {
            if (!line.dropped) total += line_size(line);
        }
        if (length_at == lines.size()) total += line_size(appended_length);
        total += kCrlf.size() + body.size();

        out.clear();
        out.reserve(total);
        out.append(head_line);
        if (first_line_changed) out.append(kCrlf);
        auto emit = [&out](const Line& line) {
            if (!line.raw.empty()) {
                out.append(line.raw);
            } else {
                out.append(line.name).append(": ").append(line.value).append(kCrlf);
            }
        };
        for (const Line& line : lines) {
            if (!line.dropped) emit(line);
        }
        if (length_at == lines.size()) emit(appended_length);
        out.append(kCrlf).append(body);
    }

    const EditList& edits;
    const Message& message;
    LineList lines;
    std::string_view body;
    bool first_line_changed = false;
    std::string_view request_uri = message.request_uri_text();
    int status = message.status_code();
    std::string_view reason = message.reason_phrase();
};

std::string EditList::serialize() const {
    std::string out;
    serialize_to(out);
    return out;
}

void EditList::serialize_to(std::string& out) const {
    EditApplier applier(*this);
    applier.write(out);
}

}  // namespace tandem::sip
