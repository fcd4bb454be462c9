#include "sdp/write.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <string_view>

namespace tandem::sdp {

namespace {

// Line kinds of each section in RFC 4566 order (v= and m= open their
// section and r= travels with its t=, so they are not listed).
constexpr std::array<char, 12> kSessionKinds = {'o', 's', 'i', 'u', 'e', 'p',
                                                'c', 'b', 't', 'z', 'k', 'a'};
constexpr std::array<char, 5> kMediaKinds = {'i', 'c', 'b', 'k', 'a'};

constexpr std::string_view kCrlf = "\r\n";

void append_number(std::string& out, std::uint64_t number) {
    std::array<char, 20> digits;
    auto end = std::to_chars(digits.data(), digits.data() + digits.size(), number).ptr;
    out.append(digits.data(), end);
}

void append_line(std::string& out, std::string_view prefix, std::string_view value) {
    out += prefix;
    out += value;
    out += kCrlf;
}

void append_connection(std::string& out, const Connection& connection) {
    out += "c=";
    out += connection.network_type;
    out += ' ';
    out += connection.address_type;
    out += ' ';
    out += connection.address;
    out += kCrlf;
}

void append_bandwidth(std::string& out, const Bandwidth& bandwidth) {
    out += "b=";
    out += bandwidth.type;
    out += ':';
    append_number(out, bandwidth.value);
    out += kCrlf;
}

void append_attribute(std::string& out, const Attribute& attribute) {
    out += "a=";
    out += attribute.name;
    if (attribute.value) {
        out += ':';
        out += *attribute.value;
    }
    out += kCrlf;
}

void append_origin(std::string& out, const Origin& origin) {
    out += "o=";
    out += origin.username;
    out += ' ';
    out += origin.session_id;
    out += ' ';
    append_number(out, origin.session_version);
    out += ' ';
    out += origin.network_type;
    out += ' ';
    out += origin.address_type;
    out += ' ';
    out += origin.address;
    out += kCrlf;
}

void append_time(std::string& out, const TimeDescription& time) {
    out += "t=";
    append_number(out, time.start);
    out += ' ';
    append_number(out, time.stop);
    out += kCrlf;
    for (const std::string& repeat : time.repeats)
        append_line(out, "r=", repeat);
}

void append_media_line(std::string& out, const MediaDescription& media) {
    out += "m=";
    out += media.type;
    out += ' ';
    append_number(out, media.port);
    if (media.port_count) {
        out += '/';
        append_number(out, *media.port_count);
    }
    out += ' ';
    out += media.protocol;
    for (const std::string& format : media.formats) {
        out += ' ';
        out += format;
    }
    out += kCrlf;
}

// Writes the items of one section in the order `line_order` recorded. Each
// kind has counts[k] items (k = index in `kinds`); emit(k, i) writes item i
// of kind k. Items beyond the recorded slots of their kind follow its last
// slot; kinds with no slot at all are written where the RFC order puts them,
// just before the first slot of a later kind.
template <std::size_t N, typename Emit>
void write_section(const std::array<char, N>& kinds, const std::array<std::size_t, N>& counts,
                   std::string_view line_order, Emit&& emit) {
    auto kind_index = [&kinds](char type) {
        std::size_t k = 0;
        while (k < N && kinds[k] != type)
            ++k;
        return k;
    };
    std::array<std::size_t, N> slots{};
    std::array<std::size_t, N> last_slot{};
    for (std::size_t position = 0; position < line_order.size(); ++position) {
        std::size_t k = kind_index(line_order[position]);
        if (k == N) continue;
        ++slots[k];
        last_slot[k] = position;
    }
    std::array<std::size_t, N> written{};
    auto write_rest_of = [&](std::size_t k) {
        while (written[k] < counts[k])
            emit(k, written[k]++);
    };
    std::size_t unplaced = 0;  // kinds below this index without slots are written
    auto write_unplaced_before = [&](std::size_t k) {
        for (; unplaced < k; ++unplaced) {
            if (slots[unplaced] == 0) write_rest_of(unplaced);
        }
    };
    for (std::size_t position = 0; position < line_order.size(); ++position) {
        std::size_t k = kind_index(line_order[position]);
        if (k == N) continue;
        write_unplaced_before(k);
        if (written[k] < counts[k]) emit(k, written[k]++);
        if (position == last_slot[k]) write_rest_of(k);
    }
    write_unplaced_before(N);
}

void append_media(std::string& out, const MediaDescription& media) {
    append_media_line(out, media);
    const std::array<std::size_t, kMediaKinds.size()> counts = {
        media.information ? 1u : 0u, media.connections.size(), media.bandwidths.size(),
        media.encryption_key ? 1u : 0u, media.attributes.size()};
    write_section(kMediaKinds, counts, media.line_order, [&](std::size_t kind, std::size_t i) {
        switch (kMediaKinds[kind]) {
            case 'i':
                append_line(out, "i=", *media.information);
                break;
            case 'c':
                append_connection(out, media.connections[i]);
                break;
            case 'b':
                append_bandwidth(out, media.bandwidths[i]);
                break;
            case 'k':
                append_line(out, "k=", *media.encryption_key);
                break;
            default:
                append_attribute(out, media.attributes[i]);
                break;
        }
    });
}

std::size_t attributes_size(const std::vector<Attribute>& attributes) {
    std::size_t size = 0;
    for (const Attribute& attribute : attributes) {
        size += attribute.name.size() + (attribute.value ? attribute.value->size() : 0) + 5;
    }
    return size;
}

// Enough room for the body in one allocation: the variable parts counted
// exactly, a generous allowance for numbers and fixed lines.
std::size_t estimated_size(const SessionDescription& session) {
    std::size_t size = 160 + session.name.size() + attributes_size(session.attributes);
    for (const MediaDescription& media : session.media) {
        size += 120 + media.formats.size() * 4 + attributes_size(media.attributes);
    }
    return size;
}

}  // namespace

void write(const SessionDescription& session, std::string& out) {
    out += "v=0\r\n";
    auto optional_count = [](const auto& field) -> std::size_t { return field ? 1 : 0; };
    const std::array<std::size_t, kSessionKinds.size()> counts = {
        1,
        1,
        optional_count(session.information),
        optional_count(session.uri),
        session.emails.size(),
        session.phones.size(),
        optional_count(session.connection),
        session.bandwidths.size(),
        session.times.size(),
        optional_count(session.time_zones),
        optional_count(session.encryption_key),
        session.attributes.size()};
    write_section(kSessionKinds, counts, session.line_order, [&](std::size_t kind, std::size_t i) {
        switch (kSessionKinds[kind]) {
            case 'o':
                append_origin(out, session.origin);
                break;
            case 's':
                append_line(out, "s=", session.name);
                break;
            case 'i':
                append_line(out, "i=", *session.information);
                break;
            case 'u':
                append_line(out, "u=", *session.uri);
                break;
            case 'e':
                append_line(out, "e=", session.emails[i]);
                break;
            case 'p':
                append_line(out, "p=", session.phones[i]);
                break;
            case 'c':
                append_connection(out, *session.connection);
                break;
            case 'b':
                append_bandwidth(out, session.bandwidths[i]);
                break;
            case 't':
                append_time(out, session.times[i]);
                break;
            case 'z':
                append_line(out, "z=", *session.time_zones);
                break;
            case 'k':
                append_line(out, "k=", *session.encryption_key);
                break;
            default:
                append_attribute(out, session.attributes[i]);
                break;
        }
    });
    for (const MediaDescription& media : session.media)
        append_media(out, media);
}

std::string to_string(const SessionDescription& session) {
    std::string out;
    out.reserve(estimated_size(session));
    write(session, out);
    return out;
}

}  // namespace tandem::sdp
