// The interface between the transaction layer and the layer above it, the
// "transaction user" (TU) of RFC 3261: the proxy core, the dialog layer, the
// B2B engine. The transaction layer calls the TU through TransactionUser;
// the TU calls the layer through TransactionLayer (transaction_layer.h).
#pragma once

#include <cstdint>

#include "base/result.h"
#include "sip/message.h"
#include "transport/endpoint.h"
#include "transport/transport.h"
#include "txn/handles.h"

namespace tandem::txn {

// A request from the network that no transaction absorbed, as the TU gets it.
// The message's top Via already carries `received` and a filled `rport` when
// RFC 3261 18.2.1 / RFC 3581 ask for them, so a proxy forwards it as is and
// responses built from it (sip::response_to) carry them too.
struct IncomingRequest {
    sip::Message message;
    transport::Endpoint source;          // where it came from (responses go back here)
    transport::Endpoint local;           // the local address it arrived on
    transport::ConnectionId connection;  // the TCP connection; empty for UDP
};

enum class ResponseOrigin : std::uint8_t {
    network,          // received from the transport
    timeout,          // synthetic 408: timer B or F fired, or a CANCEL went unanswered
    transport_error,  // synthetic 503: the request could not be sent
};

// A response for a client transaction. A synthetic one is built from the
// transaction's request as RFC 3261 8.2.6 builds any response (no To tag), so
// the TU can treat it like one received from the next hop.
struct IncomingResponse {
    sip::Message message;
    transport::Endpoint source;  // synthetic: where the request was sent
    transport::Endpoint local;
    transport::ConnectionId connection;
    ResponseOrigin origin = ResponseOrigin::network;
};

// What the transaction layer tells its user. Every call comes from
// TransactionLayer::on_message, on_send_failed or a timer, never from inside
// a call the TU made to the layer, so the TU may call the layer freely from
// any of these (create transactions, respond, cancel).
class TransactionUser {
  public:
    virtual ~TransactionUser() = default;

    // A request that matched no transaction: a new request (create a server
    // transaction with TransactionLayer::create_server, or answer it
    // statelessly, or drop it), an ACK for a 2xx (ACKs for 2xx are
    // end-to-end and never part of the INVITE transaction) or one matching
    // nothing, a CANCEL (find what it cancels with
    // TransactionLayer::find_invite_for_cancel). Also an ACK that matched an
    // INVITE server transaction in the Accepted state (RFC 6026).
    virtual void on_request(IncomingRequest request) = 0;

    // A response for one of the TU's client transactions: provisional or
    // final, 2xx retransmissions and 2xx from other forks while the INVITE
    // client transaction is Accepted (RFC 6026), and the synthetic 408 and
    // 503 (see ResponseOrigin). Retransmitted non-2xx finals are absorbed.
    virtual void on_response(ClientTransaction transaction, IncomingResponse response) = 0;

    // A response that matched no client transaction (RFC 3261 17.1.3 hands
    // it to the core: a proxy forwards or drops it, a UA discards it or
    // handles a 2xx retransmission of a dialog).
    virtual void on_stray_response(IncomingResponse response) = 0;

    // Timer H fired: the ACK for a non-2xx final response never came. The
    // transaction terminates right after this call.
    virtual void on_ack_timeout(ServerTransaction transaction) = 0;

    // A response of a server transaction could not be sent (reported by the
    // transport after send() accepted it). A non-INVITE server transaction
    // terminates right after this call; an INVITE one stays (RFC 6026).
    virtual void on_server_transport_error(ServerTransaction transaction, const Error& error) = 0;

    // The transaction ended and its handle is now stale: free the state the
    // TU keeps for it. Not called for transactions alive when the layer is
    // destroyed.
    virtual void on_server_terminated(ServerTransaction transaction) = 0;
    virtual void on_client_terminated(ClientTransaction transaction) = 0;

    // The transport closed a connection (passed through from the transport).
    virtual void on_connection_closed(const transport::ConnectionClosed& closed) = 0;
};

}  // namespace tandem::txn
