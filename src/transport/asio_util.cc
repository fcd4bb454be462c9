#include "transport/asio_util.h"

#include <algorithm>
#include <string>

namespace tandem::transport::detail {

asio::ip::address to_asio(const IpAddress& address) {
    if (address.is_v4()) {
        asio::ip::address_v4::bytes_type bytes{};
        std::copy_n(address.data(), bytes.size(), bytes.begin());
        return asio::ip::address_v4{bytes};
    }
    asio::ip::address_v6::bytes_type bytes{};
    std::copy_n(address.data(), bytes.size(), bytes.begin());
    return asio::ip::address_v6{bytes, address.scope_id()};
}

IpAddress from_asio(const asio::ip::address& address) {
    if (address.is_v4()) return IpAddress::v4(address.to_v4().to_bytes());
    const auto v6 = address.to_v6();
    if (v6.is_v4_mapped()) {
        return IpAddress::v4(asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_bytes());
    }
    return IpAddress::v6(v6.to_bytes(), static_cast<std::uint32_t>(v6.scope_id()));
}

Error socket_error(std::string_view what, const std::error_code& code, int status) {
    std::string reason{what};
    reason += ": ";
    reason += code.message();
    return make_error(std::move(reason), status);
}

}  // namespace tandem::transport::detail
