#include "txn/via.h"

#include <algorithm>
#include <memory>
#include <string_view>
#include <vector>

#include "base/strings.h"
#include "sip/writer.h"

namespace tandem::txn {

namespace {

// Whether the sent-by host is an IP literal equal to `address`.
bool host_is_address(std::string_view host, const transport::IpAddress& address) {
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    const auto parsed = transport::IpAddress::parse(host);
    return parsed.ok() && *parsed == address;
}

// A change to the element text: replace `erase` bytes at `offset` by `text`.
struct Splice {
    std::size_t offset;
    std::size_t erase;
    std::string text;
};

std::size_t offset_in(std::string_view whole, std::string_view part) {
    return static_cast<std::size_t>(part.data() - whole.data());
}

bool inside(std::string_view whole, std::string_view part) {
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

}  // namespace

std::optional<std::string> stamped_via(const sip::Via& via, const transport::Endpoint& source) {
    const std::string_view text = via.text;
    const std::string source_address = source.address.to_string();
    std::vector<Splice> splices;

    const bool want_received = via.has_rport || !host_is_address(via.host, source.address);
    std::optional<sip::Param> received;
    std::optional<sip::Param> rport;
    for (const sip::Param& param : via.params) {
        // Parameter views point into the element; anything else would be a
        // parser change we cannot splice safely, so leave the Via alone.
        if (!inside(text, param.name)) return std::nullopt;
        if (!received && iequals(param.name, "received")) received = param;
        if (!rport && iequals(param.name, "rport")) rport = param;
    }

    if (received && received->has_value) {
        if (received->value != source_address && inside(text, received->value)) {
            splices.push_back(
                {offset_in(text, received->value), received->value.size(), source_address});
        }
    } else if (want_received) {
        splices.push_back({text.size(), 0, ";received=" + source_address});
    }
    if (rport && !rport->has_value) {
        splices.push_back({offset_in(text, rport->name) + rport->name.size(), 0,
                           "=" + std::to_string(source.port)});
    }
    if (splices.empty()) return std::nullopt;

    // Apply from the back so earlier offsets stay valid. At equal offsets
    // (an rport at the very end) the received splice, pushed first, is
    // applied first, so the rport value lands before it.
    std::stable_sort(splices.begin(), splices.end(),
                     [](const Splice& a, const Splice& b) { return a.offset > b.offset; });
    std::string result(text);
    for (const Splice& splice : splices) {
        result.replace(splice.offset, splice.erase, splice.text);
    }
    return result;
}

Result<sip::Message> stamp_top_via(sip::Message request, const transport::Endpoint& source) {
    const auto top = request.top_via();
    if (!top) return request;
    const auto stamped = stamped_via(*top, source);
    if (!stamped) return request;
    const std::string_view bytes = request.bytes();
    const std::string_view element = top->text;
    if (!inside(bytes, element)) {
        sip::EditList edits(request);
        edits.remove_first_value(sip::HeaderId::Via).prepend_via(*stamped);
        return sip::Message::parse(edits.serialize());
    }
    // The parse told where the element is: the new text replaces it in one
    // copy of the bytes, with no edit list to build and serialise (this runs
    // for most requests: every client asking for rport).
    const std::size_t at = offset_in(bytes, element);
    const std::size_t size = bytes.size() - element.size() + stamped->size();
    auto buffer = std::make_unique_for_overwrite<char[]>(size);
    char* out = std::copy_n(bytes.data(), at, buffer.get());
    out = std::copy(stamped->begin(), stamped->end(), out);
    std::copy(bytes.begin() + static_cast<std::ptrdiff_t>(at + element.size()), bytes.end(), out);
    return sip::Message::parse(std::move(buffer), size);
}

ResponseRoute response_route(const sip::Via& top_via, const transport::Endpoint& source,
                             const transport::Endpoint& local, transport::ConnectionId connection) {
    ResponseRoute route;
    route.destination.protocol = source.protocol;
    route.destination.address = source.address;
    const std::uint16_t default_port = iequals(top_via.transport, "TLS") ? 5061 : 5060;
    route.destination.port = top_via.has_rport ? source.port : top_via.port.value_or(default_port);
    route.options.connection = connection;
    route.options.local = local;
    return route;
}

}  // namespace tandem::txn
