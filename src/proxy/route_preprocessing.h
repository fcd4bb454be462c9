// Route pre-processing (RFC 3261 16.4), done by the proxy core for every
// request before the script runs: the entries of the Route header that name
// this proxy are taken off, and the damage a strict router before us did is
// undone. A phone that uses Tandem as its outbound proxy sends its initial
// requests with `Route: <sip:tandem;lr>`; without this the request would be
// sent to that entry, back to Tandem, and be refused as a loop.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "proxy/local_addresses.h"
#include "proxy/resolver.h"
#include "sip/message.h"

namespace tandem::proxy {

struct PreprocessedRoutes {
    // The Request-URI recovered from the end of the Route header, when a
    // strict router put our Record-Route URI into the Request-URI.
    std::optional<std::string> request_uri;
    // The Route entries the request goes on with, when it lost some; nullopt
    // when the Route header stays as it arrived.
    std::optional<std::vector<std::string>> routes;
    // How many Route entries the request arrived with.
    std::size_t received = 0;
};

// RFC 3261 16.4 for `request`:
// - a Request-URI that is a URI we record-route with (one of our addresses,
//   no user part, `;lr`) was put there by a strict router: the last Route
//   entry becomes the Request-URI. A request addressed to Tandem itself
//   (`REGISTER sip:tandem`, no `;lr`) keeps its Request-URI.
// - the entries on top that name this proxy are removed: one, or two after
//   double record-routing.
// A Route header that does not parse is left alone (relaying it gives 400).
PreprocessedRoutes preprocess_routes(const sip::Message& request, const LocalAddresses& local,
                                     const Resolver& resolver);

}  // namespace tandem::proxy
