#include "sip/message.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <forward_list>
#include <limits>
#include <new>
#include <type_traits>

#include "base/strings.h"
#include "sip/chars.h"
#include "sip/grammar.h"

namespace tandem::sip {
namespace detail {

// One header line, as offsets into the message bytes (compact: the index of a
// typical message fits inline).
struct IndexEntry {
    std::uint32_t raw_begin;  // the name starts here
    std::uint32_t raw_end;    // just past the line terminator(s)
    std::uint32_t value_begin;
    std::uint32_t value_end;
    std::uint16_t name_size;
    std::uint16_t next_same;  // next line with the same id, or kNoLine
    HeaderId id;
};

inline constexpr std::uint16_t kNoLine = std::numeric_limits<std::uint16_t>::max();
inline constexpr std::size_t kInlineLines = 32;

enum class SlotState : std::uint8_t { Unparsed, Absent, Ok, Failed };

template <typename T>
struct Slot {
    SlotState state = SlotState::Unparsed;
    std::optional<T> value;
    std::string_view reason;  // kept in MessageData::reasons
};

// The cached elements of a list header: the first N inline (the usual one or
// two cost no allocation), any more on the heap.
template <typename T, std::size_t N>
class ListSlot {
    static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

  public:
    SlotState state = SlotState::Unparsed;
    std::string_view reason;  // a string literal

    T& emplace_back() {
        if (size_ < N) return *new (&inline_.items[size_++]) T();
        if (size_ == N) overflow_.assign(inline_.items, inline_.items + N);
        ++size_;
        return overflow_.emplace_back();
    }
    void pop_back() {
        if (size_ > N) overflow_.pop_back();
        --size_;
    }
    void clear() {
        size_ = 0;
        overflow_.clear();
    }
    std::span<const T> items() const {
        if (size_ <= N) return std::span<const T>(inline_.items, size_);
        return std::span<const T>(overflow_);
    }

  private:
    // Left uninitialised until emplace_back() constructs an element.
    union Storage {
        Storage() {}  // NOLINT(modernize-use-equals-default): must not initialise
        T items[N];
    };
    Storage inline_;
    std::size_t size_ = 0;
    std::vector<T> overflow_;
};

// How many bytes to allocate right behind a MessageData (see create()).
struct TrailingBytes {
    std::size_t count;
};

struct MessageData {
    // Value-initialisation would zero the inline index first; a user-provided
    // constructor leaves it to be written by the parser.
    MessageData() noexcept {}  // NOLINT(modernize-use-equals-default)

    // A MessageData with room for `size` message bytes right behind it: one
    // allocation per message instead of two.
    static std::unique_ptr<MessageData> create(std::size_t size) {
        return std::unique_ptr<MessageData>(new (TrailingBytes{size}) MessageData());
    }
    char* trailing_bytes() { return reinterpret_cast<char*>(this + 1); }

    static void* operator new(std::size_t size, TrailingBytes trailing) {
        return ::operator new(size + trailing.count);
    }
    static void operator delete(void* block, TrailingBytes) noexcept { ::operator delete(block); }
    static void operator delete(void* block) noexcept { ::operator delete(block); }

    std::unique_ptr<char[]> storage;  // when parse() adopted the caller's buffer
    std::string_view bytes;
    // Texts of parse errors of lazily parsed headers (rare; a list keeps
    // their addresses stable for the views in the slots).
    std::forward_list<std::string> reasons;
    std::string_view keep_reason(std::string reason) {
        reasons.push_front(std::move(reason));
        return reasons.front();
    }

    bool request = false;
    Method method = Method::Other;
    int status = 0;
    std::string_view first_line;
    std::string_view method_text;
    std::string_view request_uri_text;
    std::string_view version;
    std::string_view reason_phrase;

    std::size_t body_begin = 0;
    std::string_view body;

    std::size_t line_count = 0;
    std::array<IndexEntry, kInlineLines> inline_lines;
    std::vector<IndexEntry> more_lines;
    std::array<std::uint16_t, kHeaderIdCount> first_line_of{};

    const IndexEntry& line(std::size_t index) const {
        return index < kInlineLines ? inline_lines[index] : more_lines[index - kInlineLines];
    }
    IndexEntry& line(std::size_t index) {
        return index < kInlineLines ? inline_lines[index] : more_lines[index - kInlineLines];
    }
    std::string_view value_of(const IndexEntry& entry) const {
        return bytes.substr(entry.value_begin, entry.value_end - entry.value_begin);
    }
    std::size_t first_of(HeaderId id) const {
        const std::uint16_t index = first_line_of[static_cast<std::size_t>(id)];
        return index == kNoLine ? std::string_view::npos : index;
    }

    Slot<Uri> request_uri;
    Slot<Via> top_via;  // the first Via element, when asked before all of them
    ListSlot<Via, 2> vias;
    ListSlot<Contact, 1> contacts;
    ListSlot<NameAddr, 1> routes;
    ListSlot<NameAddr, 1> record_routes;
    Slot<FromTo> from;
    Slot<FromTo> to;
    Slot<CSeq> cseq;
    Slot<std::uint32_t> max_forwards;
    Slot<std::uint32_t> content_length;
    Slot<std::uint32_t> expires;
    Slot<ContentType> content_type;
    Slot<Event> event;
    Slot<NameAddr> refer_to;
    Slot<NameAddr> referred_by;
    Slot<Replaces> replaces;
    Slot<SessionExpires> session_expires;
    Slot<MinSE> min_se;
};

}  // namespace detail

namespace {

using detail::IndexEntry;
using detail::kNoLine;
using detail::MessageData;
using detail::SlotState;

bool is_sip_version(std::string_view text) {
    if (text == "SIP/2.0") return true;  // nearly always
    // SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT ("SIP" in any case).
    if (text.size() < 7 || !iequals(text.substr(0, 4), "SIP/")) return false;
    const std::size_t dot = text.find('.', 4);
    if (dot == std::string_view::npos || dot == 4 || dot + 1 == text.size()) return false;
    for (std::size_t i = 4; i < text.size(); ++i) {
        if (i != dot && !chars::is_digit(text[i])) return false;
    }
    return true;
}

Status parse_first_line(MessageData& data) {
    const std::string_view line = data.first_line;
    if (line.size() >= 4 && iequals(line.substr(0, 4), "SIP/")) {
        // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
        const std::size_t space = line.find(' ');
        if (space == std::string_view::npos || !is_sip_version(line.substr(0, space))) {
            return make_error("Bad status line");
        }
        data.version = line.substr(0, space);
        const std::size_t code_end = std::min(line.find(' ', space + 1), line.size());
        const std::string_view code = line.substr(space + 1, code_end - space - 1);
        const auto status = parse_uint(code, 699);
        if (code.size() != 3 || !status || *status < 100) return make_error("Bad status code");
        data.status = static_cast<int>(*status);
        if (code_end < line.size()) data.reason_phrase = line.substr(code_end + 1);
        for (char c : data.reason_phrase) {
            const auto byte = static_cast<unsigned char>(c);
            if (byte < 0x20 && c != '\t') return make_error("Bad reason phrase");
        }
        data.request = false;
        return {};
    }
    // Request-Line = Method SP Request-URI SP SIP-Version
    const std::size_t first_space = line.find(' ');
    if (first_space == std::string_view::npos) return make_error("Bad request line");
    const std::size_t second_space = line.find(' ', first_space + 1);
    if (second_space == std::string_view::npos) return make_error("Bad request line");
    data.method_text = line.substr(0, first_space);
    data.request_uri_text = line.substr(first_space + 1, second_space - first_space - 1);
    data.version = line.substr(second_space + 1);
    if (!is_token(data.method_text)) return make_error("Bad request method");
    if (data.request_uri_text.empty()) return make_error("Bad request line");
    if (!is_sip_version(data.version)) return make_error("Bad request line");
    data.method = method_from_token(data.method_text);
    data.request = true;
    return {};
}

// Finds the next '\n' at or after `from`; npos when none.
std::size_t find_newline(std::string_view bytes, std::size_t from) {
    if (from >= bytes.size()) return std::string_view::npos;
    const void* found = std::memchr(bytes.data() + from, '\n', bytes.size() - from);
    if (found == nullptr) return std::string_view::npos;
    return static_cast<std::size_t>(static_cast<const char*>(found) - bytes.data());
}

// A CR anywhere but right before the LF that ends a line: other parsers may
// take it for a line end, so a proxy must not pass it on as part of a value.
bool contains_cr(std::string_view bytes, std::size_t begin, std::size_t end) {
    return end > begin && std::memchr(bytes.data() + begin, '\r', end - begin) != nullptr;
}

Status build_index(MessageData& data) {
    const std::string_view bytes = data.bytes;
    data.first_line_of.fill(kNoLine);
    std::array<std::uint16_t, kHeaderIdCount> last_line_of;
    last_line_of.fill(kNoLine);

    // RFC 3261 section 7.5: empty lines before the start line are ignored.
    std::size_t pos = 0;
    while (pos < bytes.size() && (bytes[pos] == '\r' || bytes[pos] == '\n'))
        ++pos;
    std::size_t newline = find_newline(bytes, pos);
    if (newline == std::string_view::npos) return make_error("Incomplete message");
    std::size_t line_end = newline;
    if (line_end > pos && bytes[line_end - 1] == '\r') --line_end;
    data.first_line = bytes.substr(pos, line_end - pos);
    if (auto status = parse_first_line(data); !status) return status;

    pos = newline + 1;
    while (true) {
        newline = find_newline(bytes, pos);
        if (newline == std::string_view::npos) return make_error("Missing end of headers");
        line_end = newline;
        if (line_end > pos && bytes[line_end - 1] == '\r') --line_end;
        if (line_end == pos) {  // the empty line that ends the headers
            data.body_begin = newline + 1;
            break;
        }
        // A line that starts with whitespace would continue the previous one,
        // but the first header has nothing to continue.
        if (chars::is_ws(bytes[pos])) return make_error("Bad header line");
        if (contains_cr(bytes, pos, line_end)) return make_error("Bad header line");
        // Folding: following lines that start with SP or HTAB belong here.
        std::size_t raw_end = newline + 1;
        while (raw_end < bytes.size() && chars::is_ws(bytes[raw_end])) {
            newline = find_newline(bytes, raw_end);
            if (newline == std::string_view::npos) return make_error("Missing end of headers");
            line_end = newline;
            if (bytes[line_end - 1] == '\r') --line_end;
            if (contains_cr(bytes, raw_end, line_end)) return make_error("Bad header line");
            raw_end = newline + 1;
        }

        std::size_t i = pos;
        while (i < line_end && chars::is_token_char(bytes[i]))
            ++i;
        const std::size_t name_size = i - pos;
        while (i < line_end && chars::is_ws(bytes[i]))
            ++i;
        if (name_size == 0 || i >= line_end || bytes[i] != ':') {
            return make_error("Bad header line");
        }
        ++i;
        while (i < line_end && is_lws(bytes[i]))
            ++i;
        std::size_t value_end = line_end;
        while (value_end > i && is_lws(bytes[value_end - 1]))
            --value_end;

        if (data.line_count >= kMaxHeaderLines) return make_error("Too many headers");
        const std::size_t index = data.line_count++;
        if (index >= detail::kInlineLines) data.more_lines.emplace_back();
        IndexEntry& entry = data.line(index);
        entry.raw_begin = static_cast<std::uint32_t>(pos);
        entry.raw_end = static_cast<std::uint32_t>(raw_end);
        entry.value_begin = static_cast<std::uint32_t>(i);
        entry.value_end = static_cast<std::uint32_t>(value_end);
        entry.name_size = static_cast<std::uint16_t>(name_size);
        entry.next_same = kNoLine;
        entry.id = grammar::token_header_id(bytes.substr(pos, name_size));

        const auto slot = static_cast<std::size_t>(entry.id);
        if (last_line_of[slot] == kNoLine) {
            data.first_line_of[slot] = static_cast<std::uint16_t>(index);
        } else {
            data.line(last_line_of[slot]).next_same = static_cast<std::uint16_t>(index);
        }
        last_line_of[slot] = static_cast<std::uint16_t>(index);
        pos = raw_end;
    }
    return {};
}

template <typename T, typename Parse>
Parsed<T> lazy_single(MessageData& data, detail::Slot<T>& slot, HeaderId id, Parse parse) {
    if (slot.state == SlotState::Unparsed) {
        const std::size_t index = data.first_of(id);
        if (index == std::string_view::npos) {
            slot.state = SlotState::Absent;
        } else {
            auto result = parse(data.value_of(data.line(index)));
            if (result) {
                slot.value.emplace(std::move(*result));
                slot.state = SlotState::Ok;
            } else {
                slot.reason = data.keep_reason(result.error().reason);
                slot.state = SlotState::Failed;
            }
        }
    }
    switch (slot.state) {
        case SlotState::Ok:
            return Parsed<T>::of(&*slot.value);
        case SlotState::Failed:
            return Parsed<T>::failure(slot.reason);
        default:
            return Parsed<T>();
    }
}

template <typename T, std::size_t N, typename ParseAt>
Result<std::span<const T>> lazy_list(const MessageData& data, detail::ListSlot<T, N>& slot,
                                     HeaderId id, ParseAt parse_at, std::string_view reason) {
    if (slot.state == SlotState::Unparsed) {
        slot.state = SlotState::Ok;
        for (std::size_t index = data.first_of(id); index != std::string_view::npos;) {
            const IndexEntry& entry = data.line(index);
            const std::string_view value = data.value_of(entry);
            if (!grammar::parse_elements(value, slot, parse_at, reason)) {
                slot.reason = reason;
                slot.state = SlotState::Failed;
                slot.clear();
                break;
            }
            index = entry.next_same == kNoLine ? std::string_view::npos : entry.next_same;
        }
    }
    if (slot.state == SlotState::Failed) return make_error(std::string(slot.reason));
    return slot.items();
}

Result<std::uint32_t> parse_max_forwards(std::string_view value) {
    return parse_number(value, 255);
}

Result<std::uint32_t> parse_any_number(std::string_view value) {
    return parse_number(value);
}

}  // namespace

// ---- construction -----------------------------------------------------------

Message::Message(std::unique_ptr<detail::MessageData> data) : data_(std::move(data)) {}
Message::Message(Message&&) noexcept = default;
Message& Message::operator=(Message&&) noexcept = default;
Message::~Message() = default;

Result<Message> Message::parse(std::string_view bytes) {
    if (bytes.size() > kMaxMessageBytes) return make_error("Message too large", 513);
    auto data = MessageData::create(bytes.size());
    if (!bytes.empty()) std::memcpy(data->trailing_bytes(), bytes.data(), bytes.size());
    data->bytes = std::string_view(data->trailing_bytes(), bytes.size());
    return finish_parse(std::move(data));
}

Result<Message> Message::parse(std::unique_ptr<char[]> bytes, std::size_t size) {
    if (size > kMaxMessageBytes) return make_error("Message too large", 513);
    auto data = MessageData::create(0);
    data->storage = std::move(bytes);
    data->bytes = std::string_view(data->storage.get(), size);
    return finish_parse(std::move(data));
}

Result<Message> Message::finish_parse(std::unique_ptr<detail::MessageData> data) {
    if (auto status = build_index(*data); !status) return status.error();

    // The body Content-Length announces; a longer datagram is cut to it
    // (RFC 3261 section 18.3). A malformed or too large Content-Length leaves
    // the whole rest, for validation to reject.
    const std::string_view rest = data->bytes.substr(data->body_begin);
    data->body = rest;
    Message message(std::move(data));
    if (auto length = message.content_length(); length && *length <= rest.size()) {
        message.data_->body = rest.substr(0, *length);
    }
    return message;
}

Message Message::clone() const {
    auto copy = parse(bytes());
    // These bytes parsed once already, so they parse again.
    return std::move(copy).value();
}

// ---- first line ---------------------------------------------------------------

bool Message::is_request() const {
    return data_->request;
}
std::string_view Message::first_line() const {
    return data_->first_line;
}
std::string_view Message::version() const {
    return data_->version;
}
Method Message::method() const {
    return data_->method;
}
std::string_view Message::method_text() const {
    return data_->method_text;
}
std::string_view Message::request_uri_text() const {
    return data_->request_uri_text;
}
int Message::status_code() const {
    return data_->status;
}
std::string_view Message::reason_phrase() const {
    return data_->reason_phrase;
}

Parsed<Uri> Message::request_uri() const {
    auto& slot = data_->request_uri;
    if (!data_->request) return {};
    if (slot.state == SlotState::Unparsed) {
        auto uri = parse_uri(data_->request_uri_text);
        if (uri) {
            slot.value.emplace(*uri);
            slot.state = SlotState::Ok;
        } else {
            slot.reason = data_->keep_reason(uri.error().reason);
            slot.state = SlotState::Failed;
        }
    }
    if (slot.state == SlotState::Ok) return Parsed<Uri>::of(&*slot.value);
    return Parsed<Uri>::failure(slot.reason);
}

// ---- raw bytes ------------------------------------------------------------------

std::string_view Message::bytes() const {
    return data_->bytes;
}
std::string_view Message::body() const {
    return data_->body;
}
std::string_view Message::received_body() const {
    return data_->bytes.substr(data_->body_begin);
}

// ---- generic header access ------------------------------------------------------

std::size_t Message::header_count() const {
    return data_->line_count;
}

HeaderView Message::header_at(std::size_t index) const {
    const IndexEntry& entry = data_->line(index);
    const std::string_view bytes = data_->bytes;
    return HeaderView{entry.id, bytes.substr(entry.raw_begin, entry.name_size),
                      data_->value_of(entry),
                      bytes.substr(entry.raw_begin, entry.raw_end - entry.raw_begin)};
}

Message::HeaderRange Message::headers(HeaderId id) const {
    return HeaderRange(this, id, {}, false);
}

Message::HeaderRange Message::headers(std::string_view name) const {
    return HeaderRange(this, header_id(name), name, true);
}

bool Message::has(HeaderId id) const {
    return data_->first_of(id) != std::string_view::npos;
}
bool Message::has(std::string_view name) const {
    return !headers(name).empty();
}

std::size_t Message::count(HeaderId id) const {
    return headers(id).size();
}

std::optional<std::string_view> Message::header(HeaderId id) const {
    const std::size_t index = data_->first_of(id);
    if (index == std::string_view::npos) return std::nullopt;
    return data_->value_of(data_->line(index));
}

std::optional<std::string_view> Message::header(std::string_view name) const {
    const HeaderRange range = headers(name);
    const auto it = range.begin();
    if (it == range.end()) return std::nullopt;
    return (*it).value;
}

bool Message::HeaderRange::matches_name(std::size_t index) const {
    if (id_ != HeaderId::Other || !by_name_) return true;
    const MessageData& data = *message_->data_;
    const IndexEntry& entry = data.line(index);
    return iequals(data.bytes.substr(entry.raw_begin, entry.name_size), name_);
}

std::size_t Message::HeaderRange::first() const {
    const std::size_t index = message_->data_->first_of(id_);
    if (index == std::string_view::npos || matches_name(index)) return index;
    return after(index);
}

std::size_t Message::HeaderRange::after(std::size_t index) const {
    const MessageData& data = *message_->data_;
    std::uint16_t next = data.line(index).next_same;
    while (next != kNoLine && !matches_name(next))
        next = data.line(next).next_same;
    return next == kNoLine ? std::string_view::npos : next;
}

Message::HeaderRange::Iterator Message::HeaderRange::begin() const {
    return Iterator(this, first());
}

Message::HeaderRange::Iterator Message::HeaderRange::end() const {
    return Iterator(this, std::string_view::npos);
}

std::size_t Message::HeaderRange::size() const {
    std::size_t n = 0;
    for (auto it = begin(); it != end(); ++it)
        ++n;
    return n;
}

HeaderView Message::HeaderRange::Iterator::operator*() const {
    return range_->message_->header_at(index_);
}

Message::HeaderRange::Iterator& Message::HeaderRange::Iterator::operator++() {
    index_ = range_->after(index_);
    return *this;
}

// ---- structured headers ------------------------------------------------------------

Result<std::span<const Via>> Message::vias() const {
    return lazy_list(*data_, data_->vias, HeaderId::Via, grammar::parse_via_at, "Bad Via");
}

Parsed<Via> Message::top_via() const {
    MessageData& data = *data_;
    if (data.vias.state != SlotState::Unparsed) {
        const auto list = data.vias.items();
        if (data.vias.state == SlotState::Failed) return Parsed<Via>::failure(data.vias.reason);
        if (list.empty()) return {};
        return Parsed<Via>::of(&list.front());
    }
    // Only the first element: a proxy matching a transaction needs no more.
    auto& slot = data.top_via;
    if (slot.state == SlotState::Unparsed) {
        const std::size_t index = data.first_of(HeaderId::Via);
        if (index == std::string_view::npos) {
            slot.state = SlotState::Absent;
        } else {
            const std::string_view value = data.value_of(data.line(index));
            std::size_t pos = 0;
            while (pos < value.size() && (value[pos] == ',' || chars::is_lws(value[pos])))
                ++pos;
            Via via;
            const bool parsed = grammar::parse_via_at(value, pos, via).ok() &&
                                (pos == value.size() || value[pos] == ',');
            if (parsed) {
                slot.value = via;
                slot.state = SlotState::Ok;
            } else {
                slot.reason = "Bad Via";
                slot.state = SlotState::Failed;
            }
        }
    }
    switch (slot.state) {
        case SlotState::Ok:
            return Parsed<Via>::of(&*slot.value);
        case SlotState::Failed:
            return Parsed<Via>::failure(slot.reason);
        default:
            return {};
    }
}

Result<std::span<const Contact>> Message::contacts() const {
    return lazy_list(*data_, data_->contacts, HeaderId::Contact, grammar::parse_contact_at,
                     "Bad Contact");
}

Result<std::span<const NameAddr>> Message::routes() const {
    return lazy_list(*data_, data_->routes, HeaderId::Route, grammar::parse_name_addr_at,
                     "Bad Route");
}

Result<std::span<const NameAddr>> Message::record_routes() const {
    return lazy_list(*data_, data_->record_routes, HeaderId::RecordRoute,
                     grammar::parse_name_addr_at, "Bad Record-Route");
}

Parsed<FromTo> Message::from() const {
    return lazy_single(*data_, data_->from, HeaderId::From, parse_from_to);
}

Parsed<FromTo> Message::to() const {
    return lazy_single(*data_, data_->to, HeaderId::To, parse_from_to);
}

std::string_view Message::call_id() const {
    return header(HeaderId::CallId).value_or("");
}

Parsed<CSeq> Message::cseq() const {
    return lazy_single(*data_, data_->cseq, HeaderId::CSeq, parse_cseq);
}

Parsed<std::uint32_t> Message::max_forwards() const {
    return lazy_single(*data_, data_->max_forwards, HeaderId::MaxForwards, parse_max_forwards);
}

Parsed<std::uint32_t> Message::content_length() const {
    return lazy_single(*data_, data_->content_length, HeaderId::ContentLength, parse_any_number);
}

Parsed<std::uint32_t> Message::expires() const {
    return lazy_single(*data_, data_->expires, HeaderId::Expires, parse_any_number);
}

Parsed<ContentType> Message::content_type() const {
    return lazy_single(*data_, data_->content_type, HeaderId::ContentType, parse_content_type);
}

Parsed<Event> Message::event() const {
    return lazy_single(*data_, data_->event, HeaderId::Event, parse_event);
}

Parsed<NameAddr> Message::refer_to() const {
    return lazy_single(*data_, data_->refer_to, HeaderId::ReferTo, parse_name_addr);
}

Parsed<NameAddr> Message::referred_by() const {
    return lazy_single(*data_, data_->referred_by, HeaderId::ReferredBy, parse_name_addr);
}

Parsed<Replaces> Message::replaces() const {
    return lazy_single(*data_, data_->replaces, HeaderId::Replaces, parse_replaces);
}

Parsed<SessionExpires> Message::session_expires() const {
    return lazy_single(*data_, data_->session_expires, HeaderId::SessionExpires,
                       parse_session_expires);
}

Parsed<MinSE> Message::min_se() const {
    return lazy_single(*data_, data_->min_se, HeaderId::MinSE, parse_min_se);
}

Result<std::vector<std::string_view>> Message::tokens(HeaderId id) const {
    std::vector<std::string_view> out;
    for (const HeaderView line : headers(id)) {
        if (auto status = parse_token_list(line.value, out); !status) return status.error();
    }
    return out;
}

bool Message::has_token(HeaderId id, std::string_view token) const {
    for (const HeaderView line : headers(id)) {
        ValueSplitter splitter(line.value);
        while (auto element = splitter.next()) {
            if (iequals(*element, token)) return true;
        }
    }
    return false;
}

Result<std::vector<NameAddr>> Message::name_addrs(HeaderId id) const {
    std::vector<NameAddr> out;
    for (const HeaderView line : headers(id)) {
        if (auto status = parse_name_addr_list(line.value, out); !status) return status.error();
    }
    return out;
}

}  // namespace tandem::sip
