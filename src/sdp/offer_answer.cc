#include "sdp/offer_answer.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace tandem::sdp {

namespace {

// A direction as permission bits, so that holds combine with & and |.
constexpr unsigned kSend = 1;
constexpr unsigned kReceive = 2;

constexpr unsigned permissions(Direction direction) {
    switch (direction) {
        case Direction::kSendRecv:
            return kSend | kReceive;
        case Direction::kSendOnly:
            return kSend;
        case Direction::kRecvOnly:
            return kReceive;
        case Direction::kInactive:
            return 0;
    }
    return 0;
}

constexpr Direction from_permissions(unsigned bits) {
    if (bits == (kSend | kReceive)) return Direction::kSendRecv;
    if (bits == kSend) return Direction::kSendOnly;
    if (bits == kReceive) return Direction::kRecvOnly;
    return Direction::kInactive;
}

bool is_hold_direction(Direction direction) {
    return direction == Direction::kSendOnly || direction == Direction::kInactive;
}

bool has_null_address(std::span<const Connection> connections) {
    return !connections.empty() &&
           std::all_of(connections.begin(), connections.end(),
                       [](const Connection& c) { return c.address == "0.0.0.0"; });
}

// Attributes that describe the whole session and are not copied into a
// forked stream.
bool is_session_only(const Attribute& attribute) {
    return attribute.name == "group" || attribute.name == "msid-semantic" ||
           attribute.name == "ice-lite";
}

bool is_direction(const Attribute& attribute) {
    return !attribute.value && direction_from_name(attribute.name).has_value();
}

MediaDescription fork_stream(const SessionDescription& source, const MediaDescription& media) {
    MediaDescription stream;
    stream.type = media.type;
    stream.port = media.port;
    stream.port_count = media.port_count;
    stream.protocol = media.protocol;
    stream.formats = media.formats;
    stream.information = media.information;
    auto connections = effective_connections(source, media);
    stream.connections.assign(connections.begin(), connections.end());
    stream.bandwidths = media.bandwidths.empty() ? source.bandwidths : media.bandwidths;
    stream.encryption_key = media.encryption_key ? media.encryption_key : source.encryption_key;
    stream.attributes.reserve(source.attributes.size() + media.attributes.size() + 1);
    for (const Attribute& attribute : source.attributes) {
        if (is_direction(attribute) || is_session_only(attribute)) continue;
        if (media.find_attribute(attribute.name) != nullptr) continue;  // the stream overrides it
        stream.attributes.push_back(attribute);
    }
    for (const Attribute& attribute : media.attributes) {
        if (!is_direction(attribute)) stream.attributes.push_back(attribute);
    }
    bool silent = media.is_disabled() || is_on_hold(source, media);
    stream.set_direction(silent ? Direction::kInactive : Direction::kSendOnly);
    return stream;
}

}  // namespace

Direction combine_holds(Direction a, Direction b) {
    return from_permissions(permissions(a) & permissions(b));
}

Direction remove_hold(Direction combined, Direction removed) {
    unsigned withheld = (kSend | kReceive) & ~permissions(removed);
    return from_permissions(permissions(combined) | withheld);
}

Direction reverse(Direction direction) {
    unsigned bits = permissions(direction);
    unsigned swapped = ((bits & kSend) != 0 ? kReceive : 0) | ((bits & kReceive) != 0 ? kSend : 0);
    return from_permissions(swapped);
}

Direction answer_direction(Direction offered, Direction wanted) {
    return combine_holds(reverse(offered), wanted);
}

Direction hold_direction(Direction peer_direction) {
    return is_hold_direction(peer_direction) ? Direction::kInactive : Direction::kSendOnly;
}

Direction effective_direction(const SessionDescription& session, const MediaDescription& media) {
    if (auto own = media.direction()) return *own;
    return session.direction().value_or(Direction::kSendRecv);
}

std::span<const Connection> effective_connections(const SessionDescription& session,
                                                  const MediaDescription& media) {
    if (!media.connections.empty()) return media.connections;
    if (session.connection) return std::span<const Connection>(&*session.connection, 1);
    return {};
}

bool is_on_hold(const SessionDescription& session, const MediaDescription& media) {
    if (media.is_disabled()) return false;
    return is_hold_direction(effective_direction(session, media)) ||
           has_null_address(effective_connections(session, media));
}

bool is_on_hold(const SessionDescription& session) {
    bool has_audio = std::any_of(
        session.media.begin(), session.media.end(),
        [](const MediaDescription& m) { return m.type == "audio" && !m.is_disabled(); });
    bool judged_any = false;
    for (const MediaDescription& media : session.media) {
        if (media.is_disabled() || (has_audio && media.type != "audio")) continue;
        if (!is_on_hold(session, media)) return false;
        judged_any = true;
    }
    return judged_any;
}

bool set_stream_direction(SessionDescription& session, std::size_t index, Direction direction) {
    MediaDescription& media = session.media[index];
    if (media.is_disabled() || effective_direction(session, media) == direction) return false;
    return media.set_direction(direction);
}

void set_next_version(SessionDescription& offer, std::uint64_t last_sent_version) {
    offer.origin.session_version = last_sent_version;
    offer.origin.bump_version();
}

bool same_content(const SessionDescription& a, const SessionDescription& b) {
    const Origin& x = a.origin;
    const Origin& y = b.origin;
    // Every member but the o= version; keep in step with SessionDescription.
    return x.username == y.username && x.session_id == y.session_id &&
           x.network_type == y.network_type && x.address_type == y.address_type &&
           x.address == y.address && a.name == b.name && a.information == b.information &&
           a.uri == b.uri && a.emails == b.emails && a.phones == b.phones &&
           a.connection == b.connection && a.bandwidths == b.bandwidths && a.times == b.times &&
           a.time_zones == b.time_zones && a.encryption_key == b.encryption_key &&
           a.attributes == b.attributes && a.media == b.media && a.line_order == b.line_order;
}

SessionDescription make_hold_offer(const SessionDescription& last_sent, Direction direction) {
    SessionDescription offer = last_sent;
    bool changed = false;
    for (std::size_t i = 0; i < offer.media.size(); ++i) {
        changed = set_stream_direction(offer, i, direction) || changed;
    }
    if (changed) offer.origin.bump_version();
    return offer;
}

SessionDescription make_hold_offer(const SessionDescription& last_sent,
                                   const SessionDescription* peer) {
    SessionDescription offer = last_sent;
    bool changed = false;
    for (std::size_t i = 0; i < offer.media.size(); ++i) {
        Direction peer_direction = Direction::kSendRecv;
        if (peer != nullptr && i < peer->media.size() && is_on_hold(*peer, peer->media[i])) {
            peer_direction = Direction::kInactive;
        }
        Direction own = effective_direction(offer, offer.media[i]);
        Direction target = combine_holds(own, hold_direction(peer_direction));
        changed = set_stream_direction(offer, i, target) || changed;
    }
    if (changed) offer.origin.bump_version();
    return offer;
}

SessionDescription make_resume_offer(const SessionDescription& last_sent) {
    return make_hold_offer(last_sent, Direction::kSendRecv);
}

SessionDescription make_resume_offer(const SessionDescription& last_sent,
                                     const SessionDescription& original) {
    SessionDescription offer = original;
    offer.origin.session_version = last_sent.origin.session_version;
    if (!same_content(offer, last_sent)) offer.origin.bump_version();
    return offer;
}

Result<SessionDescription> make_fork_offer(std::span<const SessionDescription* const> sources,
                                           const Origin& origin) {
    std::size_t total = 0;
    for (const SessionDescription* source : sources)
        total += source->media.size();
    if (total == 0) return make_error("no media streams to fork", 488);
    if (total > kMaxMediaDescriptions) return make_error("too many media streams to fork", 488);

    SessionDescription offer;
    offer.origin = origin;
    offer.media.reserve(total);
    for (const SessionDescription* source : sources) {
        for (const MediaDescription& media : source->media) {
            offer.media.push_back(fork_stream(*source, media));
        }
    }
    // One session-level c= when all streams agree, as an SDP from a single
    // endpoint would have it; media-level c= lines otherwise.
    const std::vector<Connection>& first = offer.media.front().connections;
    bool shared = first.size() == 1 && std::all_of(offer.media.begin(), offer.media.end(),
                                                   [&first](const MediaDescription& m) {
                                                       return m.connections == first;
                                                   });
    if (shared) {
        offer.connection = first.front();
        for (MediaDescription& media : offer.media)
            media.connections.clear();
    }
    return offer;
}

Result<SessionDescription> make_fork_offer(const SessionDescription& first,
                                           const SessionDescription& second, const Origin& origin) {
    const std::array<const SessionDescription*, 2> sources = {&first, &second};
    return make_fork_offer(sources, origin);
}

Result<std::vector<SessionDescription>> split_fork_answer(
    const SessionDescription& answer, std::span<const std::size_t> streams_per_source) {
    std::size_t remaining = answer.media.size();
    std::size_t offered = 0;  // saturating, only for the message
    bool fits = true;
    for (std::size_t count : streams_per_source) {
        fits = fits && count <= remaining;
        if (fits) remaining -= count;
        offered = count > SIZE_MAX - offered ? SIZE_MAX : offered + count;
    }
    if (!fits || remaining != 0) {
        return make_error("answer has " + std::to_string(answer.media.size()) +
                              " media streams, offer had " + std::to_string(offered),
                          488);
    }
    SessionDescription session_level = answer;
    session_level.media.clear();
    std::vector<SessionDescription> parts;
    parts.reserve(streams_per_source.size());
    auto next = answer.media.begin();
    for (std::size_t count : streams_per_source) {
        SessionDescription& part = parts.emplace_back(session_level);
        part.media.assign(next, next + static_cast<std::ptrdiff_t>(count));
        next += static_cast<std::ptrdiff_t>(count);
    }
    return parts;
}

Result<std::vector<SessionDescription>> split_fork_answer(
    const SessionDescription& answer, std::span<const SessionDescription* const> sources) {
    std::vector<std::size_t> counts;
    counts.reserve(sources.size());
    for (const SessionDescription* source : sources)
        counts.push_back(source->media.size());
    return split_fork_answer(answer, counts);
}

}  // namespace tandem::sdp
