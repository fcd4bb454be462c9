// Feeds arbitrary texts to the Refer-To builders of call transfers: the
// input is cut at newlines into a destination, a value (the matching
// parameter or the Replaces Call-ID) and two tags. Whatever a builder
// accepts must be a SIP URI from which the parameter or the Replaces header
// reads back exactly as given, and taking the parameter off again gives the
// destination back.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "callops/refer_to.h"
#include "sip/syntax.h"
#include "sip/uri.h"

namespace {

using namespace tandem;

// Only unreserved characters, those `allowed`, and %HH escapes.
void check_escaped(std::string_view escaped, std::string_view original, std::string_view allowed) {
    for (std::size_t i = 0; i < escaped.size(); ++i) {
        const char c = escaped[i];
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') ||
                           std::string_view("-_.!~*'()").find(c) != std::string_view::npos ||
                           allowed.find(c) != std::string_view::npos;
        if (plain) continue;
        const auto hex = [](char h) { return (h >= '0' && h <= '9') || (h >= 'A' && h <= 'F'); };
        if (c != '%' || i + 2 >= escaped.size() || !hex(escaped[i + 1]) || !hex(escaped[i + 2]))
            std::abort();
        i += 2;
    }
    if (sip::unescape(escaped) != original) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::array<std::string_view, 4> fields{};
    std::size_t start = 0;
    for (std::size_t i = 0; i < fields.size() && start <= input.size(); ++i) {
        const std::size_t end = i + 1 < fields.size() ? input.find('\n', start) : input.npos;
        fields[i] = input.substr(start, end == input.npos ? input.npos : end - start);
        if (end == input.npos) break;
        start = end + 1;
    }
    const auto [destination, value, to_tag, from_tag] = fields;

    check_escaped(callops::escape_param_value(value), value, "[]/:&+$");
    check_escaped(callops::escape_header_value(value), value, "[]/?:+$");

    // Blind transfer in param mode: destination;osid=<value>. The value is
    // a dialog ID or a Call-ID, never empty (a URI parameter value cannot
    // be: RFC 3261 pvalue is 1*paramchar).
    auto blind = callops::blind_target(destination, "osid", value);
    if (blind.ok() && !value.empty() && !callops::take_uri_param(destination, "osid")) {
        auto uri = sip::parse_uri(*blind);
        if (!uri.ok() || !uri->is_sip()) std::abort();
        auto taken = callops::take_uri_param(*blind, "osid");
        if (!taken || taken->value != value || taken->uri != destination) std::abort();
    }
    if (blind.ok()) (void)callops::refer_to_value(*blind);

    // Attended transfer: destination?Replaces=<call-id>;to-tag=..;from-tag=..
    auto attended = callops::attended_target(destination, value, to_tag, from_tag);
    if (attended.ok()) {
        auto uri = sip::parse_uri(*attended);
        if (!uri.ok() || !uri->is_sip()) std::abort();
        const auto replaces = uri->header("Replaces");
        if (!replaces) std::abort();
        const std::string expected = std::string(value) + ";to-tag=" + std::string(to_tag) +
                                     ";from-tag=" + std::string(from_tag);
        if (sip::unescape(*replaces) != expected) std::abort();
    }

    // Any parameter name taken off any Request-URI.
    if (auto taken = callops::take_uri_param(destination, value)) {
        if (taken->uri.size() >= destination.size()) std::abort();
    }
    return 0;
}
