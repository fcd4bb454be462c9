#include "sdp/parse.h"

#include <array>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "base/strings.h"

namespace tandem::sdp {

namespace {

// A decimal number over the whole 64-bit range (o= versions and NTP times
// can be large); parse_uint() from base/strings.h stops at its `max`.
std::optional<std::uint64_t> parse_full_u64(std::string_view digits) {
    constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
    if (digits.empty()) return std::nullopt;
    std::uint64_t value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (kMax - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
    }
    return value;
}

// Splits a line value into exactly N fields separated by single spaces, the
// shape RFC 4566 gives o=, c= and t=. Empty fields (doubled, leading or
// trailing spaces) are malformed.
template <std::size_t N>
bool split_fields(std::string_view value, std::array<std::string_view, N>& fields) {
    for (std::size_t i = 0; i < N; ++i) {
        std::size_t space = value.find(' ');
        bool last = i + 1 == N;
        if (last != (space == std::string_view::npos)) return false;
        fields[i] = value.substr(0, space);
        if (fields[i].empty()) return false;
        if (!last) value.remove_prefix(space + 1);
    }
    return true;
}

std::optional<Connection> parse_connection(std::string_view value) {
    std::array<std::string_view, 3> fields;
    if (!split_fields(value, fields)) return std::nullopt;
    return Connection{std::string(fields[0]), std::string(fields[1]), std::string(fields[2])};
}

std::optional<Bandwidth> parse_bandwidth(std::string_view value) {
    std::size_t colon = value.find(':');
    if (colon == 0 || colon == std::string_view::npos) return std::nullopt;
    auto amount = parse_full_u64(value.substr(colon + 1));
    if (!amount) return std::nullopt;
    return Bandwidth{std::string(value.substr(0, colon)), *amount};
}

std::optional<Origin> parse_origin(std::string_view value) {
    std::array<std::string_view, 6> fields;
    if (!split_fields(value, fields)) return std::nullopt;
    auto version = parse_full_u64(fields[2]);
    if (!version) return std::nullopt;
    return Origin{std::string(fields[0]), std::string(fields[1]), *version,
                  std::string(fields[3]), std::string(fields[4]), std::string(fields[5])};
}

std::optional<TimeDescription> parse_time(std::string_view value) {
    std::array<std::string_view, 2> fields;
    if (!split_fields(value, fields)) return std::nullopt;
    auto start = parse_full_u64(fields[0]);
    auto stop = parse_full_u64(fields[1]);
    if (!start || !stop) return std::nullopt;
    return TimeDescription{*start, *stop, {}};
}

std::optional<Attribute> parse_attribute(std::string_view value) {
    std::size_t colon = value.find(':');
    if (colon == 0 || value.empty()) return std::nullopt;
    if (colon == std::string_view::npos) return Attribute{std::string(value), std::nullopt};
    return Attribute{std::string(value.substr(0, colon)), std::string(value.substr(colon + 1))};
}

// RFC 4566 text excludes NUL, CR and LF (LF already ends the line).
constexpr bool is_clean(std::string_view value) {
    for (char c : value) {
        if (c == '\0' || c == '\r') return false;
    }
    return true;
}

constexpr bool is_known_type(char type) {
    switch (type) {
        case 'v':
        case 'o':
        case 's':
        case 'i':
        case 'u':
        case 'e':
        case 'p':
        case 'c':
        case 'b':
        case 't':
        case 'r':
        case 'z':
        case 'k':
        case 'a':
        case 'm':
            return true;
        default:
            return false;
    }
}

// How many sections and attributes the body holds, counted before parsing
// so that the vectors are allocated once.
struct Sizes {
    std::size_t media = 0;
    std::array<std::size_t, kMaxMediaDescriptions + 1> attributes{};
};

Sizes count_sizes(std::string_view text) {
    Sizes sizes;
    std::size_t section = 0;
    while (!text.empty()) {
        if (text.starts_with("m=") && sizes.media < kMaxMediaDescriptions) {
            section = ++sizes.media;
        } else if (text.starts_with("a=")) {
            ++sizes.attributes[section];
        }
        std::size_t end = text.find('\n');
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return sizes;
}

class Parser {
  public:
    explicit Parser(std::string_view text) : rest_(text), sizes_(count_sizes(text)) {}

    Result<SessionDescription> run() {
        session_.times.clear();
        session_.attributes.reserve(sizes_.attributes[0]);
        session_.media.reserve(sizes_.media);
        std::string_view line;
        while (next_line(line)) {
            ++line_number_;
            if (line.empty()) {
                if (rest_.find_first_not_of("\r\n") == std::string_view::npos) break;
                return fail("empty line");
            }
            if (line_number_ > kMaxLines) return fail("too many lines");
            if (line.size() < 2 || line[1] != '=') return fail("not a <type>=<value> line");
            char type = line[0];
            if (!is_known_type(type)) return fail(std::string("unknown line type '") + type + "='");
            std::string_view value = line.substr(2);
            if (!is_clean(value)) return fail("NUL or CR inside a line");
            if (!has_version_) {
                if (type != 'v') return fail("missing v= line");
                if (value != "0") return fail("unsupported SDP version");
                has_version_ = true;
                previous_type_ = type;
                continue;
            }
            Status status = type == 'm'              ? start_media(value)
                            : session_.media.empty() ? session_line(type, value)
                                                     : media_line(type, value);
            if (!status) return status.error();
            previous_type_ = type;
        }
        if (!has_version_) return make_error("SDP: missing v= line");
        if (!has_origin_) return make_error("SDP: missing o= line");
        if (!has_name_) return make_error("SDP: missing s= line");
        return std::move(session_);
    }

  private:
    bool next_line(std::string_view& line) {
        if (rest_.empty()) return false;
        std::size_t end = rest_.find('\n');
        line = rest_.substr(0, end);
        rest_.remove_prefix(end == std::string_view::npos ? rest_.size() : end + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        return true;
    }

    Error fail(std::string_view what) const {
        std::string reason = "SDP line ";
        reason += std::to_string(line_number_);
        reason += ": ";
        reason += what;
        return make_error(std::move(reason));
    }

    Error duplicate(char type) const { return fail(std::string("duplicate ") + type + "= line"); }
    Error bad(char type) const { return fail(std::string("bad ") + type + "= line"); }

    Status session_line(char type, std::string_view value) {
        switch (type) {
            case 'v':
                return duplicate(type);
            case 'o': {
                if (has_origin_) return duplicate(type);
                auto origin = parse_origin(value);
                if (!origin) return bad(type);
                session_.origin = std::move(*origin);
                has_origin_ = true;
                break;
            }
            case 's':
                if (has_name_) return duplicate(type);
                session_.name = value;
                has_name_ = true;
                break;
            case 'i':
                if (!set_once(session_.information, value)) return duplicate(type);
                break;
            case 'u':
                if (!set_once(session_.uri, value)) return duplicate(type);
                break;
            case 'e':
                session_.emails.emplace_back(value);
                break;
            case 'p':
                session_.phones.emplace_back(value);
                break;
            case 'c': {
                if (session_.connection) return duplicate(type);
                session_.connection = parse_connection(value);
                if (!session_.connection) return bad(type);
                break;
            }
            case 'b': {
                auto bandwidth = parse_bandwidth(value);
                if (!bandwidth) return bad(type);
                session_.bandwidths.push_back(std::move(*bandwidth));
                break;
            }
            case 't': {
                auto time = parse_time(value);
                if (!time) return bad(type);
                session_.times.push_back(std::move(*time));
                break;
            }
            case 'r':
                // A repeat belongs to the t= right above it.
                if (previous_type_ != 't' && previous_type_ != 'r') {
                    return fail("r= line not after a t= line");
                }
                session_.times.back().repeats.emplace_back(value);
                return {};  // written together with its t=, so not in line_order
            case 'z':
                if (!set_once(session_.time_zones, value)) return duplicate(type);
                break;
            case 'k':
                if (!set_once(session_.encryption_key, value)) return duplicate(type);
                break;
            case 'a': {
                auto attribute = parse_attribute(value);
                if (!attribute) return bad(type);
                session_.attributes.push_back(std::move(*attribute));
                break;
            }
            default:
                return fail("unexpected line");  // unreachable: types are checked first
        }
        session_.line_order.push_back(type);
        return {};
    }

    Status start_media(std::string_view value) {
        if (session_.media.size() == kMaxMediaDescriptions) return fail("too many media sections");
        // m=<media> <port>[/<number of ports>] <proto> <fmt> ...
        std::array<std::string_view, 3> head;
        std::size_t formats_start = std::string_view::npos;
        std::string_view scan = value;
        for (std::size_t i = 0; i < head.size(); ++i) {
            std::size_t space = scan.find(' ');
            head[i] = scan.substr(0, space);
            if (head[i].empty()) return bad('m');
            if (space == std::string_view::npos) {
                if (i + 1 != head.size()) return bad('m');
                break;
            }
            scan.remove_prefix(space + 1);
            if (i + 1 == head.size()) formats_start = value.size() - scan.size();
        }
        MediaDescription media;
        media.type = head[0];
        std::string_view port_text = head[1];
        std::size_t slash = port_text.find('/');
        auto port = parse_uint(port_text.substr(0, slash), 65535);
        if (!port) return fail("bad port in m= line");
        media.port = static_cast<std::uint16_t>(*port);
        if (slash != std::string_view::npos) {
            auto count = parse_uint(port_text.substr(slash + 1), 65535);
            if (!count) return fail("bad port count in m= line");
            media.port_count = static_cast<std::uint16_t>(*count);
        }
        media.protocol = head[2];
        if (formats_start != std::string_view::npos) {
            std::string_view formats = value.substr(formats_start);
            std::size_t format_count = 1;
            for (char c : formats)
                format_count += c == ' ' ? 1 : 0;
            media.formats.reserve(format_count);
            while (true) {
                std::size_t space = formats.find(' ');
                std::string_view format = formats.substr(0, space);
                if (format.empty()) return bad('m');
                media.formats.emplace_back(format);
                if (space == std::string_view::npos) break;
                formats.remove_prefix(space + 1);
            }
        }
        media.attributes.reserve(sizes_.attributes[session_.media.size() + 1]);
        session_.media.push_back(std::move(media));
        return {};
    }

    Status media_line(char type, std::string_view value) {
        MediaDescription& media = session_.media.back();
        switch (type) {
            case 'i':
                if (!set_once(media.information, value)) return duplicate(type);
                break;
            case 'c': {
                auto connection = parse_connection(value);
                if (!connection) return bad(type);
                media.connections.push_back(std::move(*connection));
                break;
            }
            case 'b': {
                auto bandwidth = parse_bandwidth(value);
                if (!bandwidth) return bad(type);
                media.bandwidths.push_back(std::move(*bandwidth));
                break;
            }
            case 'k':
                if (!set_once(media.encryption_key, value)) return duplicate(type);
                break;
            case 'a': {
                auto attribute = parse_attribute(value);
                if (!attribute) return bad(type);
                media.attributes.push_back(std::move(*attribute));
                break;
            }
            default:
                return fail(std::string(1, type) + "= line not allowed in a media section");
        }
        media.line_order.push_back(type);
        return {};
    }

    static bool set_once(std::optional<std::string>& field, std::string_view value) {
        if (field) return false;
        field.emplace(value);
        return true;
    }

    std::string_view rest_;
    Sizes sizes_;
    SessionDescription session_;
    std::size_t line_number_ = 0;
    char previous_type_ = 0;
    bool has_version_ = false;
    bool has_origin_ = false;
    bool has_name_ = false;
};

}  // namespace

Result<SessionDescription> parse(std::string_view text) {
    return Parser(text).run();
}

}  // namespace tandem::sdp
