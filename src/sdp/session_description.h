// The SDP value model (RFC 4566): a session description and its media
// descriptions. Lines Tandem reads or edits (o=, c=, b=, t=, m=, a=) are
// typed; the others are kept as their verbatim values. Every list keeps the
// order of the input, and `line_order` remembers how the kinds of lines were
// interleaved, so writing an unmodified parsed description reproduces it
// byte for byte (see sdp/write.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::sdp {

// The media direction attributes of RFC 3264 (a=sendrecv, a=sendonly,
// a=recvonly, a=inactive), from the point of view of whoever wrote the SDP.
enum class Direction : std::uint8_t { kSendRecv, kSendOnly, kRecvOnly, kInactive };

// "sendrecv", "sendonly", "recvonly" or "inactive".
std::string_view direction_name(Direction direction);
// The direction an attribute name denotes, if it is one of the four.
std::optional<Direction> direction_from_name(std::string_view name);

// a=<name> (a property attribute: no value) or a=<name>:<value>.
struct Attribute {
    std::string name;
    std::optional<std::string> value;

    friend bool operator==(const Attribute&, const Attribute&) = default;
};

// c=<nettype> <addrtype> <address>. The address keeps any multicast
// "/ttl/count" suffix as written.
struct Connection {
    std::string network_type = "IN";
    std::string address_type = "IP4";
    std::string address;

    friend bool operator==(const Connection&, const Connection&) = default;
};

// b=<bwtype>:<bandwidth> (kilobits per second for CT and AS, bits per
// second for TIAS: the unit belongs to the type).
struct Bandwidth {
    std::string type;
    std::uint64_t value = 0;

    friend bool operator==(const Bandwidth&, const Bandwidth&) = default;
};

// o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>.
// The session id is only ever compared, so it stays text (some agents write
// ids longer than 64 bits); the version is a number because offers bump it.
struct Origin {
    std::string username = "-";
    std::string session_id = "0";
    std::uint64_t session_version = 0;
    std::string network_type = "IN";
    std::string address_type = "IP4";
    std::string address = "127.0.0.1";

    // Adds one to the session version (RFC 3264 section 8), wrapping to 0
    // after the largest value so the new version still differs.
    void bump_version();

    friend bool operator==(const Origin&, const Origin&) = default;
};

// t=<start> <stop> and the r= lines that follow it (verbatim values).
struct TimeDescription {
    std::uint64_t start = 0;
    std::uint64_t stop = 0;
    std::vector<std::string> repeats;

    friend bool operator==(const TimeDescription&, const TimeDescription&) = default;
};

// a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>].
// The views point into the attribute they were read from.
struct RtpMap {
    unsigned payload_type = 0;
    std::string_view encoding_name;
    std::uint32_t clock_rate = 0;
    std::string_view encoding_parameters;  // e.g. the channel count; empty when absent
};

// One m= section.
struct MediaDescription {
    std::string type;  // <media>: "audio", "video", "application", ...
    std::uint16_t port = 0;
    std::optional<std::uint16_t> port_count;    // m=<media> <port>/<count> ...
    std::string protocol;                       // "RTP/AVP", "UDP/TLS/RTP/SAVPF", ...
    std::vector<std::string> formats;           // payload types for RTP
    std::optional<std::string> information;     // i=
    std::vector<Connection> connections;        // c= (several for layered multicast)
    std::vector<Bandwidth> bandwidths;          // b=
    std::optional<std::string> encryption_key;  // k=
    std::vector<Attribute> attributes;          // a=, in order
    // Kinds of the lines after m= in input order ('i', 'c', 'b', 'k', 'a');
    // empty for a section built in code, which is written in RFC order.
    std::string line_order;

    // A port of zero rejects or disables the stream (RFC 3264 section 8.2).
    bool is_disabled() const { return port == 0; }

    // The first attribute with this name (names are case-sensitive).
    const Attribute* find_attribute(std::string_view name) const;
    // Appends an attribute.
    void add_attribute(std::string name, std::optional<std::string> value = std::nullopt);
    // Removes every attribute with this name; returns how many were removed.
    std::size_t remove_attributes(std::string_view name);

    // This section's own direction attribute, if it has one (the first one
    // when several were written). See effective_direction() in
    // sdp/offer_answer.h for the value inherited from the session level.
    std::optional<Direction> direction() const;
    // Replaces the first direction attribute in place (dropping any others),
    // or appends one when there is none. Returns whether anything changed.
    bool set_direction(Direction direction);
    // Removes every direction attribute; returns whether there was one.
    bool remove_direction();

    // a=rtpmap / a=fmtp for one payload type, when present and well formed.
    std::optional<RtpMap> rtpmap(unsigned payload_type) const;
    std::optional<std::string_view> fmtp(unsigned payload_type) const;

    friend bool operator==(const MediaDescription&, const MediaDescription&) = default;
};

// A whole session description. The defaults describe a minimal valid SDP
// (v=0, o=- 0 0 IN IP4 127.0.0.1, s=-, t=0 0).
struct SessionDescription {
    Origin origin;
    std::string name = "-";                                    // s=
    std::optional<std::string> information;                    // i=
    std::optional<std::string> uri;                            // u=
    std::vector<std::string> emails;                           // e=
    std::vector<std::string> phones;                           // p=
    std::optional<Connection> connection;                      // c=
    std::vector<Bandwidth> bandwidths;                         // b=
    std::vector<TimeDescription> times = {TimeDescription{}};  // t= and r=
    std::optional<std::string> time_zones;                     // z=
    std::optional<std::string> encryption_key;                 // k=
    std::vector<Attribute> attributes;                         // session-level a=, in order
    std::vector<MediaDescription> media;
    // Kinds of the session-level lines after v= in input order (letters of
    // "osiuepcbtzka"); empty for a description built in code.
    std::string line_order;

    const Attribute* find_attribute(std::string_view name) const;

    // The session-level direction attribute, which every media section
    // without its own inherits.
    std::optional<Direction> direction() const;
    bool set_direction(Direction direction);
    bool remove_direction();

    friend bool operator==(const SessionDescription&, const SessionDescription&) = default;
};

}  // namespace tandem::sdp
