#include "proxy/resolver.h"

#include <fstream>
#include <sstream>

#include "base/strings.h"

namespace tandem::proxy {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        c = ascii_lower(c);
    return out;
}

std::string_view strip_brackets(std::string_view host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        return host.substr(1, host.size() - 2);
    }
    return host;
}

// Splits a line into whitespace-separated words, calling fn(word) for each.
template <typename Fn>
void for_each_word(std::string_view line, Fn&& fn) {
    std::size_t at = 0;
    while (at < line.size()) {
        while (at < line.size() && (line[at] == ' ' || line[at] == '\t'))
            ++at;
        const std::size_t start = at;
        while (at < line.size() && line[at] != ' ' && line[at] != '\t')
            ++at;
        if (at > start) fn(line.substr(start, at - start));
    }
}

}  // namespace

HostsTable HostsTable::parse(std::string_view text) {
    HostsTable table;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t end = text.find('\n', at);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(at, end - at);
        at = end + 1;
        if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) {
            line = line.substr(0, hash);
        }
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

        std::optional<transport::IpAddress> address;
        bool first = true;
        bool bad = false;
        for_each_word(line, [&](std::string_view word) {
            if (bad) return;
            if (first) {
                first = false;
                auto parsed = transport::IpAddress::parse(word);
                if (!parsed) {
                    bad = true;
                    return;
                }
                address = *parsed;
                return;
            }
            Addresses& entry = table.entries_[lower(word)];
            auto& slot = address->is_v4() ? entry.v4 : entry.v6;
            if (!slot) slot = *address;
        });
    }
    return table;
}

Result<HostsTable> HostsTable::load(const std::string& path) {
    std::ifstream in(path);
    if (!in) return make_error("cannot read " + path, 0);
    std::ostringstream text;
    text << in.rdbuf();
    return parse(text.str());
}

std::optional<transport::IpAddress> HostsTable::find(std::string_view name) const {
    const auto it = entries_.find(lower(name));
    if (it == entries_.end()) return std::nullopt;
    if (it->second.v4) return it->second.v4;
    return it->second.v6;
}

Result<transport::IpAddress> Resolver::resolve(std::string_view host) const {
    const std::string_view bare = strip_brackets(host);
    if (bare.empty()) return make_error("Unresolvable destination", 478);
    if (auto literal = transport::IpAddress::parse(bare)) return *literal;
    if (auto found = hosts_.find(bare)) return *found;
    return make_error("Unresolvable destination", 478);
}

Result<transport::Endpoint> address_destination(std::string_view transport, std::string_view host,
                                                std::uint16_t port, const Resolver& resolver) {
    const auto protocol = transport.empty() ? std::optional(transport::Protocol::udp)
                                            : transport::parse_protocol(transport);
    if (!protocol) return make_error("Unsupported transport", 503);
    auto address = resolver.resolve(host);
    if (!address) return address.error();
    return transport::Endpoint{*protocol, *address, port == 0 ? std::uint16_t{5060} : port};
}

Result<transport::Endpoint> uri_destination(const sip::Uri& uri, const Resolver& resolver) {
    if (uri.scheme == sip::UriScheme::Sips) return make_error("Unsupported transport", 503);
    if (uri.scheme != sip::UriScheme::Sip) return make_error("Unsupported URI Scheme", 416);
    std::string_view host = uri.host;
    if (const auto maddr = uri.maddr(); maddr && !maddr->empty()) host = *maddr;
    const std::string_view transport = uri.transport().value_or(std::string_view{});
    return address_destination(transport, host, uri.port.value_or(5060), resolver);
}

}  // namespace tandem::proxy
