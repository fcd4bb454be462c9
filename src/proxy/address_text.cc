#include "proxy/address_text.h"

namespace tandem::proxy {
namespace {

void append_decimal(std::string& out, unsigned value) {
    char digits[10];
    int count = 0;
    do {
        digits[count++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (count > 0)
        out += digits[--count];
}

void append_address(std::string& out, const transport::IpAddress& address) {
    if (address.is_v6()) {
        out += address.to_string();
        return;
    }
    const std::uint8_t* bytes = address.data();
    for (int i = 0; i < 4; ++i) {
        if (i > 0) out += '.';
        append_decimal(out, bytes[i]);
    }
}

}  // namespace

std::string address_text(const transport::IpAddress& address) {
    std::string out;
    out.reserve(15);
    append_address(out, address);
    return out;
}

std::string uri_host_text(const transport::IpAddress& address) {
    std::string out;
    out.reserve(address.is_v4() ? 15 : 48);
    if (address.is_v6()) out += '[';
    append_address(out, address);
    if (address.is_v6()) out += ']';
    return out;
}

std::string endpoint_text(const transport::Endpoint& endpoint) {
    std::string out;
    out.reserve(24);
    out += transport::to_string(endpoint.protocol);
    out += ':';
    if (endpoint.address.is_v6()) out += '[';
    append_address(out, endpoint.address);
    if (endpoint.address.is_v6()) out += ']';
    out += ':';
    append_decimal(out, endpoint.port);
    return out;
}

}  // namespace tandem::proxy
