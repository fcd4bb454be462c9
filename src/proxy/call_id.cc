#include "proxy/call_id.h"

#include "base/strings.h"

namespace tandem::proxy {
namespace {

// The header name of a line, when the line is "name[ \t]*:", and the text
// after the colon.
struct HeaderLine {
    std::string_view name;
    std::string_view value;
};

std::optional<HeaderLine> split_header_line(std::string_view line) {
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view name = line.substr(0, colon);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t'))
        name.remove_suffix(1);
    return HeaderLine{name, line.substr(colon + 1)};
}

}  // namespace

std::optional<std::string_view> find_call_id(std::string_view bytes) {
    // Skip the first line; every later line starts a header until the blank
    // line that ends the header section.
    std::size_t at = bytes.find('\n');
    while (at != std::string_view::npos && at + 1 < bytes.size()) {
        const std::size_t start = at + 1;
        std::size_t end = bytes.find('\n', start);
        if (end == std::string_view::npos) end = bytes.size();
        std::string_view line = bytes.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) return std::nullopt;  // end of the header section
        // A continuation line (folding) starts with whitespace: not a header.
        if (line.front() != ' ' && line.front() != '\t') {
            if (const auto header = split_header_line(line)) {
                if (iequals(header->name, "Call-ID") || iequals(header->name, "i")) {
                    return trim(header->value);
                }
            }
        }
        at = end;
    }
    return std::nullopt;
}

std::uint64_t call_id_hash(std::string_view call_id) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (const char c : call_id) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

std::size_t shard_of_call_id(std::string_view call_id, std::size_t shard_count) {
    if (shard_count <= 1) return 0;
    return static_cast<std::size_t>(call_id_hash(call_id) % shard_count);
}

std::size_t shard_of_message(std::string_view bytes, std::size_t shard_count,
                             std::size_t fallback) {
    if (shard_count <= 1) return 0;
    const auto call_id = find_call_id(bytes);
    if (!call_id || call_id->empty()) return fallback;
    return shard_of_call_id(*call_id, shard_count);
}

}  // namespace tandem::proxy
