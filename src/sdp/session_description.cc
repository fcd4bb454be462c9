#include "sdp/session_description.h"

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

#include "base/strings.h"

namespace tandem::sdp {

namespace {

constexpr std::array<std::string_view, 4> kDirectionNames = {"sendrecv", "sendonly", "recvonly",
                                                             "inactive"};

// A direction attribute is a property attribute: "a=sendonly:x" is some
// other attribute that happens to share the name, so it does not count.
std::optional<Direction> attribute_direction(const Attribute& attribute) {
    if (attribute.value) return std::nullopt;
    return direction_from_name(attribute.name);
}

std::optional<Direction> first_direction(const std::vector<Attribute>& attributes) {
    for (const Attribute& attribute : attributes) {
        if (auto direction = attribute_direction(attribute)) return direction;
    }
    return std::nullopt;
}

bool set_direction_in(std::vector<Attribute>& attributes, Direction direction) {
    auto first = std::find_if(attributes.begin(), attributes.end(), [](const Attribute& a) {
        return attribute_direction(a).has_value();
    });
    if (first == attributes.end()) {
        attributes.push_back(Attribute{std::string(direction_name(direction)), std::nullopt});
        return true;
    }
    bool changed = attribute_direction(*first) != direction;
    if (changed) first->name = direction_name(direction);
    // Any later direction attribute contradicts or repeats the first one.
    auto extra = std::remove_if(first + 1, attributes.end(), [](const Attribute& a) {
        return attribute_direction(a).has_value();
    });
    changed = changed || extra != attributes.end();
    attributes.erase(extra, attributes.end());
    return changed;
}

bool remove_direction_in(std::vector<Attribute>& attributes) {
    auto kept = std::remove_if(attributes.begin(), attributes.end(), [](const Attribute& a) {
        return attribute_direction(a).has_value();
    });
    bool removed = kept != attributes.end();
    attributes.erase(kept, attributes.end());
    return removed;
}

const Attribute* find_in(const std::vector<Attribute>& attributes, std::string_view name) {
    for (const Attribute& attribute : attributes) {
        if (attribute.name == name) return &attribute;
    }
    return nullptr;
}

// Splits "<payload type> <rest>" (the shape of rtpmap and fmtp values) and
// returns <rest> when the payload type matches.
std::optional<std::string_view> value_for_payload(const Attribute& attribute,
                                                  unsigned payload_type) {
    if (!attribute.value) return std::nullopt;
    std::string_view value = *attribute.value;
    std::size_t space = value.find(' ');
    auto number = parse_uint(value.substr(0, space), 127);
    if (!number || *number != payload_type) return std::nullopt;
    if (space == std::string_view::npos) return std::string_view();
    return value.substr(space + 1);
}

}  // namespace

std::string_view direction_name(Direction direction) {
    return kDirectionNames[static_cast<std::size_t>(direction)];
}

std::optional<Direction> direction_from_name(std::string_view name) {
    for (std::size_t i = 0; i < kDirectionNames.size(); ++i) {
        if (kDirectionNames[i] == name) return static_cast<Direction>(i);
    }
    return std::nullopt;
}

void Origin::bump_version() {
    session_version =
        session_version == std::numeric_limits<std::uint64_t>::max() ? 0 : session_version + 1;
}

const Attribute* MediaDescription::find_attribute(std::string_view name) const {
    return find_in(attributes, name);
}

void MediaDescription::add_attribute(std::string name, std::optional<std::string> value) {
    attributes.push_back(Attribute{std::move(name), std::move(value)});
}

std::size_t MediaDescription::remove_attributes(std::string_view name) {
    return std::erase_if(attributes, [name](const Attribute& a) { return a.name == name; });
}

std::optional<Direction> MediaDescription::direction() const {
    return first_direction(attributes);
}

bool MediaDescription::set_direction(Direction new_direction) {
    return set_direction_in(attributes, new_direction);
}

bool MediaDescription::remove_direction() {
    return remove_direction_in(attributes);
}

std::optional<RtpMap> MediaDescription::rtpmap(unsigned payload_type) const {
    for (const Attribute& attribute : attributes) {
        if (attribute.name != "rtpmap") continue;
        auto encoding = value_for_payload(attribute, payload_type);
        if (!encoding) continue;
        // <encoding name>/<clock rate>[/<encoding parameters>]
        std::size_t slash = encoding->find('/');
        if (slash == 0 || slash == std::string_view::npos) return std::nullopt;
        std::string_view rest = encoding->substr(slash + 1);
        std::size_t second_slash = rest.find('/');
        auto clock_rate = parse_uint(trim(rest.substr(0, second_slash)));
        if (!clock_rate) return std::nullopt;
        RtpMap map;
        map.payload_type = payload_type;
        map.encoding_name = encoding->substr(0, slash);
        map.clock_rate = static_cast<std::uint32_t>(*clock_rate);
        if (second_slash != std::string_view::npos) {
            map.encoding_parameters = trim(rest.substr(second_slash + 1));
        }
        return map;
    }
    return std::nullopt;
}

std::optional<std::string_view> MediaDescription::fmtp(unsigned payload_type) const {
    for (const Attribute& attribute : attributes) {
        if (attribute.name != "fmtp") continue;
        if (auto parameters = value_for_payload(attribute, payload_type)) return parameters;
    }
    return std::nullopt;
}

const Attribute* SessionDescription::find_attribute(std::string_view attribute_name) const {
    return find_in(attributes, attribute_name);
}

std::optional<Direction> SessionDescription::direction() const {
    return first_direction(attributes);
}

bool SessionDescription::set_direction(Direction new_direction) {
    return set_direction_in(attributes, new_direction);
}

bool SessionDescription::remove_direction() {
    return remove_direction_in(attributes);
}

}  // namespace tandem::sdp
