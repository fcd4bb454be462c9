// Feeds arbitrary text to the URI and name-addr parsers, the parameter
// iterator and the RFC 3261 comparison (a URI must be equivalent to itself).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sip/syntax.h"
#include "sip/uri.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace tandem::sip;
    std::string_view text(reinterpret_cast<const char*>(data), size);

    if (auto uri = parse_uri(text); uri.ok()) {
        for (const Param& param : uri->params)
            (void)param.value;
        for (const Param& header : uri->headers)
            (void)unescape(header.value);
        (void)uri->host_address();
        if (uri->is_sip() && !uri_equivalent(*uri, *uri)) std::abort();
    }
    if (auto name_addr = parse_name_addr(text); name_addr.ok()) {
        (void)unquote(name_addr->display_name);
        for (const Param& param : name_addr->params)
            (void)param.name;
    }
    // Split the input in two and compare the halves both ways: equivalence
    // must be symmetric.
    std::size_t half = size / 2;
    auto left = parse_uri(text.substr(0, half));
    auto right = parse_uri(text.substr(half));
    if (left.ok() && right.ok() && uri_equivalent(*left, *right) != uri_equivalent(*right, *left)) {
        std::abort();
    }
    return 0;
}
