// Loop detection (RFC 3261 16.3 item 4 and 16.6 item 8). The branch of
// every Via this proxy adds carries a hash of the fields that identify the
// request as it arrived; when a request comes back with one of our Vias
// whose hash equals the hash of the request now, nothing that identifies it
// changed on the way round: it loops (482). A different hash means the
// request was retargeted and is spiralling, which is legitimate.
//
// The hash leaves out the top Via, which RFC 3261 lists: a request that
// comes back always has a different top Via (its last hop's), so including
// it would never detect a loop.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/local_addresses.h"
#include "sip/message.h"

namespace tandem::proxy {

// A hash of the Request-URI, From tag, To tag, Call-ID, CSeq number and the
// Proxy-Require and Proxy-Authorization values of a request.
std::uint32_t loop_hash(const sip::Message& request);

// "z9hG4bK" + 8 hex digits of `hash` + "-" + `unique` with its magic cookie
// taken off (a branch from the transaction layer's generator).
std::string loop_branch(std::uint32_t hash, std::string_view unique);

// The hash a branch made by loop_branch() carries; nullopt for other
// branches.
std::optional<std::uint32_t> branch_loop_hash(std::string_view branch);

// Whether one of the request's Vias was added by this proxy (sent-by is one
// of `local`'s listeners) with the request's current loop hash.
bool is_looping(const sip::Message& request, const LocalAddresses& local);

}  // namespace tandem::proxy
