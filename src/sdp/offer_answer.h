// Offer/answer helpers (RFC 3264) for call control: hold and resume offers,
// the direction algebra behind accumulated holds, and the multi-stream
// offers of media forking.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/result.h"
#include "sdp/parse.h"
#include "sdp/session_description.h"

namespace tandem::sdp {

// ---- Direction algebra -----------------------------------------------------
// A direction is a pair of permissions, send and receive. A hold takes
// permissions away; these functions compute what is left.

// What remains when both restrictions apply: sendonly with recvonly gives
// inactive, sendrecv with anything gives the other one.
Direction combine_holds(Direction a, Direction b);

// What remains of `combined` after lifting the restriction `removed` (the
// permissions `removed` withheld are given back). Exact when no other hold
// still in force withholds the same permission; a caller tracking several
// holds may recompute with combine_holds() over the remaining ones instead.
Direction remove_hold(Direction combined, Direction removed);

// The same stream seen from the other end: sendonly <-> recvonly.
Direction reverse(Direction direction);

// The direction an answer may take for an offered direction when the
// answerer wants `wanted` (RFC 3264 section 6.1): a sendonly offer is
// answered recvonly or inactive, and so on.
Direction answer_direction(Direction offered, Direction wanted);

// RFC 3264 section 8.4: the direction that places a stream on hold given the
// peer's direction for it: sendonly, or inactive when the peer already sends
// only or nothing (it holds us).
Direction hold_direction(Direction peer_direction);

// ---- Reading a stream's state ------------------------------------------------

// The stream's own direction attribute, else the session-level one, else
// sendrecv.
Direction effective_direction(const SessionDescription& session, const MediaDescription& media);

// The c= lines that apply to the stream: its own, else the session-level one.
std::span<const Connection> effective_connections(const SessionDescription& session,
                                                  const MediaDescription& media);

// A stream is on hold when it is not disabled (port 0 disables) and either
// its effective direction is sendonly or inactive, or its connection address
// is 0.0.0.0 (RFC 2543 style hold).
bool is_on_hold(const SessionDescription& session, const MediaDescription& media);

// The session is on hold when it has at least one enabled audio stream and
// every enabled audio stream is on hold; a session without audio is judged
// on all its enabled streams.
bool is_on_hold(const SessionDescription& session);

// Gives stream `index` the effective direction `direction`: its own
// attribute is replaced, or one is added when it has none (media-level
// attributes override the session-level default). Leaves the stream as it
// is when it is disabled or its effective direction is already `direction`.
// Returns whether the description changed. Precondition: index < media size.
bool set_stream_direction(SessionDescription& session, std::size_t index, Direction direction);

// ---- Versions (RFC 3264 section 8) ------------------------------------------
// Every offer that differs from the previous one carries the previous o=
// version plus one; an unchanged offer keeps it.

// Sets the version to follow the last version sent to that peer.
void set_next_version(SessionDescription& offer, std::uint64_t last_sent_version);

// True when the two descriptions differ at most in their o= version.
bool same_content(const SessionDescription& a, const SessionDescription& b);

// ---- Hold and resume offers ----------------------------------------------------
// Each derives a new offer from `last_sent`, the SDP last sent to the peer
// that will receive the offer, and bumps its version by one when (and only
// when) the result differs from it. When the offer is derived from an SDP
// other than the last one sent, call set_next_version() on the result.

// Every enabled stream not already in `direction` switched to it (sendonly,
// recvonly or inactive to hold; sendrecv to resume).
SessionDescription make_hold_offer(const SessionDescription& last_sent, Direction direction);

// The RFC 3264 hold: every enabled stream becomes sendonly, or inactive when
// the stream was already restricted the other way (recvonly in `last_sent`)
// or when `peer` (the SDP the peer last sent, if known) holds that stream.
SessionDescription make_hold_offer(const SessionDescription& last_sent,
                                   const SessionDescription* peer = nullptr);

// Every enabled stream back to sendrecv.
SessionDescription make_resume_offer(const SessionDescription& last_sent);

// The `original` SDP (as stored before the hold, with its own directions
// and addresses), versioned after `last_sent`.
SessionDescription make_resume_offer(const SessionDescription& last_sent,
                                     const SessionDescription& original);

// ---- Media forking ------------------------------------------------------------

// One offer carrying the streams of several SDPs (for a fork, the caller's
// then the callee's): v=0, the given origin, s=-, t=0 0, then one m= per
// stream of each source in order, disabled streams included (so answer
// streams map back by position). Each stream keeps its media line and
// attributes and gains the session-level b=, k= and a= lines of its source
// that it does not override (except direction attributes and group,
// msid-semantic and ice-lite, which only make sense for a whole session).
// Its direction becomes sendonly, or inactive when the source stream is on
// hold or disabled. When every stream has the same connection it is written
// once at session level; otherwise each stream carries its own. Fails (488)
// when there is nothing to fork or more than kMaxMediaDescriptions streams.
Result<SessionDescription> make_fork_offer(std::span<const SessionDescription* const> sources,
                                           const Origin& origin);
Result<SessionDescription> make_fork_offer(const SessionDescription& first,
                                           const SessionDescription& second, const Origin& origin);

// Splits the answer to a fork offer into one description per source: the
// answer's session level with the streams answering that source's streams
// (`streams_per_source[i]` of them, in order). Fails with 488 when the
// answer does not have exactly as many streams as were offered.
Result<std::vector<SessionDescription>> split_fork_answer(
    const SessionDescription& answer, std::span<const std::size_t> streams_per_source);
// The same, with the counts taken from the sources the offer was built from.
Result<std::vector<SessionDescription>> split_fork_answer(
    const SessionDescription& answer, std::span<const SessionDescription* const> sources);

}  // namespace tandem::sdp
