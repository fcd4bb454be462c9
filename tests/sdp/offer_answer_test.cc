#include "sdp/offer_answer.h"

#include <gtest/gtest.h>

#include <array>

#include "sdp/parse.h"
#include "sdp/write.h"
#include "sdp_samples.h"

namespace tandem::sdp {
namespace {

using testing::crlf;

constexpr Direction kSendRecv = Direction::kSendRecv;
constexpr Direction kSendOnly = Direction::kSendOnly;
constexpr Direction kRecvOnly = Direction::kRecvOnly;
constexpr Direction kInactive = Direction::kInactive;

SessionDescription parsed(std::string_view text) {
    auto result = parse(crlf(text));
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().reason);
    return result.ok() ? std::move(result).value() : SessionDescription{};
}

// Two audio streams and a video stream; the second audio stream has no
// direction of its own, the video stream is disabled.
constexpr std::string_view kThreeStreams = R"(v=0
o=carol 100 7 IN IP4 192.0.2.30
s=-
c=IN IP4 192.0.2.30
t=0 0
m=audio 6000 RTP/AVP 0
a=rtpmap:0 PCMU/8000
a=sendrecv
m=audio 6002 RTP/AVP 8
a=rtpmap:8 PCMA/8000
m=video 0 RTP/AVP 99
a=rtpmap:99 H264/90000
)";

// ---- Direction algebra -----------------------------------------------------

TEST(DirectionAlgebra, CombineHoldsKeepsOnlyCommonPermissions) {
    EXPECT_EQ(combine_holds(kSendOnly, kRecvOnly), kInactive);  // hold caller, then callee
    EXPECT_EQ(combine_holds(kRecvOnly, kSendOnly), kInactive);
    EXPECT_EQ(combine_holds(kSendRecv, kSendOnly), kSendOnly);
    EXPECT_EQ(combine_holds(kRecvOnly, kSendRecv), kRecvOnly);
    EXPECT_EQ(combine_holds(kSendOnly, kSendOnly), kSendOnly);
    EXPECT_EQ(combine_holds(kInactive, kSendRecv), kInactive);
    EXPECT_EQ(combine_holds(kSendRecv, kSendRecv), kSendRecv);
}

TEST(DirectionAlgebra, RemoveHoldGivesBackWhatItWithheld) {
    EXPECT_EQ(remove_hold(kInactive, kRecvOnly), kSendOnly);  // callee unheld, caller still held
    EXPECT_EQ(remove_hold(kInactive, kSendOnly), kRecvOnly);
    EXPECT_EQ(remove_hold(kSendOnly, kSendOnly), kSendRecv);
    EXPECT_EQ(remove_hold(kInactive, kInactive), kSendRecv);
    EXPECT_EQ(remove_hold(kRecvOnly, kSendRecv), kRecvOnly);  // removing nothing
    // Undoes combine_holds() when the permission was not withheld before.
    EXPECT_EQ(remove_hold(combine_holds(kRecvOnly, kSendOnly), kSendOnly), kRecvOnly);
    EXPECT_EQ(remove_hold(combine_holds(kSendRecv, kInactive), kInactive), kSendRecv);
    // ...and cannot know it otherwise: see the header.
    EXPECT_EQ(remove_hold(combine_holds(kSendOnly, kSendOnly), kSendOnly), kSendRecv);
}

TEST(DirectionAlgebra, ReverseAndAnswer) {
    EXPECT_EQ(reverse(kSendOnly), kRecvOnly);
    EXPECT_EQ(reverse(kRecvOnly), kSendOnly);
    EXPECT_EQ(reverse(kSendRecv), kSendRecv);
    EXPECT_EQ(reverse(kInactive), kInactive);
    EXPECT_EQ(answer_direction(kSendOnly, kSendRecv), kRecvOnly);
    EXPECT_EQ(answer_direction(kRecvOnly, kSendRecv), kSendOnly);
    EXPECT_EQ(answer_direction(kInactive, kSendRecv), kInactive);
    EXPECT_EQ(answer_direction(kSendRecv, kSendOnly), kSendOnly);
    EXPECT_EQ(answer_direction(kSendOnly, kSendOnly), kInactive);
}

TEST(DirectionAlgebra, HoldDirectionFollowsRfc3264) {
    EXPECT_EQ(hold_direction(kSendRecv), kSendOnly);
    EXPECT_EQ(hold_direction(kRecvOnly), kSendOnly);
    EXPECT_EQ(hold_direction(kSendOnly), kInactive);
    EXPECT_EQ(hold_direction(kInactive), kInactive);
}

// ---- Stream state ----------------------------------------------------------

TEST(EffectiveDirection, InheritsFromSessionThenDefaultsToSendrecv) {
    SessionDescription sdp = parsed(kThreeStreams);
    EXPECT_EQ(effective_direction(sdp, sdp.media[1]), kSendRecv);
    sdp.set_direction(kRecvOnly);
    EXPECT_EQ(effective_direction(sdp, sdp.media[0]), kSendRecv);  // its own wins
    EXPECT_EQ(effective_direction(sdp, sdp.media[1]), kRecvOnly);
}

TEST(EffectiveConnections, MediaLevelOverridesSessionLevel) {
    SessionDescription sdp = parsed(kThreeStreams);
    ASSERT_EQ(effective_connections(sdp, sdp.media[0]).size(), 1u);
    EXPECT_EQ(effective_connections(sdp, sdp.media[0])[0].address, "192.0.2.30");
    sdp.media[0].connections.push_back({"IN", "IP4", "192.0.2.31"});
    EXPECT_EQ(effective_connections(sdp, sdp.media[0])[0].address, "192.0.2.31");
    sdp.connection.reset();
    EXPECT_TRUE(effective_connections(sdp, sdp.media[1]).empty());
}

TEST(IsOnHold, PerStream) {
    SessionDescription sdp = parsed(kThreeStreams);
    EXPECT_FALSE(is_on_hold(sdp, sdp.media[0]));
    sdp.media[0].set_direction(kSendOnly);
    EXPECT_TRUE(is_on_hold(sdp, sdp.media[0]));
    sdp.media[0].set_direction(kInactive);
    EXPECT_TRUE(is_on_hold(sdp, sdp.media[0]));
    sdp.media[0].set_direction(kRecvOnly);  // the writer is held, it does not hold
    EXPECT_FALSE(is_on_hold(sdp, sdp.media[0]));

    // Inherited direction.
    EXPECT_FALSE(is_on_hold(sdp, sdp.media[1]));
    sdp.set_direction(kSendOnly);
    EXPECT_TRUE(is_on_hold(sdp, sdp.media[1]));
    sdp.remove_direction();

    // RFC 2543 style, from either level.
    sdp.connection->address = "0.0.0.0";
    EXPECT_TRUE(is_on_hold(sdp, sdp.media[1]));
    sdp.media[1].connections.push_back({"IN", "IP4", "192.0.2.40"});
    EXPECT_FALSE(is_on_hold(sdp, sdp.media[1]));
    sdp.media[1].connections[0].address = "0.0.0.0";
    EXPECT_TRUE(is_on_hold(sdp, sdp.media[1]));

    // Port 0 disables the stream: not held, whatever its attributes say.
    sdp.media[2].set_direction(kInactive);
    EXPECT_FALSE(is_on_hold(sdp, sdp.media[2]));
}

TEST(IsOnHold, SessionJudgesEnabledAudioStreams) {
    SessionDescription sdp = parsed(kThreeStreams);
    EXPECT_FALSE(is_on_hold(sdp));
    sdp.media[0].set_direction(kSendOnly);
    EXPECT_FALSE(is_on_hold(sdp));  // the second audio stream still flows
    sdp.media[1].set_direction(kInactive);
    EXPECT_TRUE(is_on_hold(sdp));  // the disabled video does not count
    sdp.media[1].port = 0;
    EXPECT_TRUE(is_on_hold(sdp));
    sdp.media[0].port = 0;
    EXPECT_FALSE(is_on_hold(sdp));  // nothing enabled: nothing held
}

TEST(IsOnHold, SessionWithoutAudioJudgesAllStreams) {
    SessionDescription sdp = parsed(kThreeStreams);
    sdp.media.erase(sdp.media.begin(), sdp.media.begin() + 2);
    sdp.media[0].port = 5000;
    EXPECT_FALSE(is_on_hold(sdp));
    sdp.set_direction(kInactive);
    EXPECT_TRUE(is_on_hold(sdp));
}

TEST(SetStreamDirection, LeavesStreamsAlreadyInThatMode) {
    SessionDescription sdp = parsed(kThreeStreams);
    sdp.set_direction(kSendOnly);
    EXPECT_FALSE(set_stream_direction(sdp, 1, kSendOnly));  // inherited already
    EXPECT_EQ(sdp.media[1].find_attribute("sendonly"), nullptr);
    EXPECT_TRUE(set_stream_direction(sdp, 1, kSendRecv));  // overrides the session level
    EXPECT_EQ(sdp.media[1].direction(), kSendRecv);
    EXPECT_FALSE(set_stream_direction(sdp, 2, kInactive));  // disabled
    EXPECT_FALSE(sdp.media[2].direction().has_value());
}

// ---- Versions ----------------------------------------------------------------

TEST(Versions, SetNextVersionAndSameContent) {
    SessionDescription a = parsed(kThreeStreams);
    SessionDescription b = a;
    set_next_version(b, 41);
    EXPECT_EQ(b.origin.session_version, 42u);
    EXPECT_TRUE(same_content(a, b));
    EXPECT_FALSE(a == b);
    b.origin.session_id = "101";
    EXPECT_FALSE(same_content(a, b));
    b = a;
    b.media[1].port = 6004;
    EXPECT_FALSE(same_content(a, b));
    b = a;
    b.name = "x";
    EXPECT_FALSE(same_content(a, b));
}

// ---- Hold and resume -----------------------------------------------------------

TEST(HoldOffer, ExplicitDirectionReplacesOrAddsAndBumpsTheVersion) {
    SessionDescription last_sent = parsed(kThreeStreams);
    SessionDescription offer = make_hold_offer(last_sent, kInactive);
    EXPECT_EQ(offer.origin.session_version, 8u);
    EXPECT_EQ(to_string(offer), crlf(R"(v=0
o=carol 100 8 IN IP4 192.0.2.30
s=-
c=IN IP4 192.0.2.30
t=0 0
m=audio 6000 RTP/AVP 0
a=rtpmap:0 PCMU/8000
a=inactive
m=audio 6002 RTP/AVP 8
a=rtpmap:8 PCMA/8000
a=inactive
m=video 0 RTP/AVP 99
a=rtpmap:99 H264/90000
)"));
    EXPECT_TRUE(is_on_hold(offer));
}

TEST(HoldOffer, UnchangedOfferKeepsTheVersion) {
    SessionDescription last_sent = parsed(kThreeStreams);
    last_sent.media[0].set_direction(kSendOnly);
    last_sent.media[1].set_direction(kSendOnly);
    SessionDescription offer = make_hold_offer(last_sent, kSendOnly);
    EXPECT_EQ(offer, last_sent);
}

TEST(HoldOffer, OnlyStreamsNotInTheModeChange) {
    SessionDescription last_sent = parsed(kThreeStreams);
    last_sent.media[1].set_direction(kRecvOnly);
    SessionDescription offer = make_hold_offer(last_sent, kRecvOnly);
    EXPECT_EQ(offer.media[0].direction(), kRecvOnly);
    EXPECT_EQ(offer.media[1].attributes, last_sent.media[1].attributes);
    EXPECT_EQ(offer.origin.session_version, 8u);
}

TEST(HoldOffer, Rfc3264RuleUsesSendonly) {
    SessionDescription offer = make_hold_offer(parsed(kThreeStreams));
    EXPECT_EQ(offer.media[0].direction(), kSendOnly);
    EXPECT_EQ(offer.media[1].direction(), kSendOnly);
    EXPECT_FALSE(offer.media[2].direction().has_value());
    EXPECT_EQ(offer.origin.session_version, 8u);
}

TEST(HoldOffer, Rfc3264RuleGivesInactiveWhenThePeerAlreadyHolds) {
    SessionDescription last_sent = parsed(kThreeStreams);
    SessionDescription peer = parsed(testing::kSessionConnectionOnly);
    peer.media[0].set_direction(kSendOnly);  // the peer has put its stream 0 on hold
    SessionDescription offer = make_hold_offer(last_sent, &peer);
    EXPECT_EQ(offer.media[0].direction(), kInactive);
    EXPECT_EQ(offer.media[1].direction(), kSendOnly);  // no peer stream 1: plain hold
}

TEST(HoldOffer, Rfc3264RuleSeesAPeerHoldByNullAddress) {
    SessionDescription peer = parsed(testing::kSessionConnectionOnly);
    peer.connection->address = "0.0.0.0";
    SessionDescription offer = make_hold_offer(parsed(kThreeStreams), &peer);
    EXPECT_EQ(offer.media[0].direction(), kInactive);
}

TEST(HoldOffer, Rfc3264RuleGivesInactiveForARecvonlyStream) {
    SessionDescription last_sent = parsed(kThreeStreams);
    last_sent.media[0].set_direction(kRecvOnly);  // we answered the peer's hold
    SessionDescription offer = make_hold_offer(last_sent);
    EXPECT_EQ(offer.media[0].direction(), kInactive);
}

TEST(HoldOffer, AccumulatedHoldsGiveInactive) {
    // Holding the caller and then the callee: the caller's leg sees sendonly,
    // then recvonly on top of it, which combine to inactive.
    SessionDescription last_sent = parsed(kThreeStreams);
    Direction caller_leg = combine_holds(kSendRecv, kSendOnly);
    SessionDescription first = make_hold_offer(last_sent, caller_leg);
    caller_leg = combine_holds(caller_leg, kRecvOnly);
    SessionDescription second = make_hold_offer(first, caller_leg);
    EXPECT_EQ(second.media[0].direction(), kInactive);
    EXPECT_EQ(second.origin.session_version, 9u);
    // Unholding the callee leaves the caller's hold.
    SessionDescription third = make_hold_offer(second, remove_hold(caller_leg, kRecvOnly));
    EXPECT_EQ(third.media[0].direction(), kSendOnly);
    EXPECT_EQ(third.origin.session_version, 10u);
}

TEST(ResumeOffer, RestoresSendrecv) {
    SessionDescription held = make_hold_offer(parsed(kThreeStreams), kInactive);
    SessionDescription resumed = make_resume_offer(held);
    EXPECT_EQ(resumed.media[0].direction(), kSendRecv);
    EXPECT_EQ(resumed.media[1].direction(), kSendRecv);
    EXPECT_EQ(resumed.origin.session_version, 9u);
    EXPECT_FALSE(is_on_hold(resumed));
}

TEST(ResumeOffer, RestoresTheOriginalVersionedAfterTheHold) {
    SessionDescription original = parsed(kThreeStreams);
    SessionDescription held = make_hold_offer(original, kSendOnly);
    held.connection->address = "0.0.0.0";  // an RFC 2543 hold needs the original to undo
    SessionDescription resumed = make_resume_offer(held, original);
    EXPECT_EQ(resumed.origin.session_version, 9u);
    EXPECT_TRUE(same_content(resumed, original));
    EXPECT_EQ(to_string(resumed), [&] {
        std::string text = crlf(kThreeStreams);
        text.replace(text.find(" 7 IN"), 5, " 9 IN");
        return text;
    }());
    // Resuming to what was last sent changes nothing, so the version stays.
    EXPECT_EQ(make_resume_offer(original, original), original);
}

TEST(HoldOffer, ExplicitVersionFromTheLastOneSent) {
    SessionDescription stored = parsed(kThreeStreams);  // version 7
    SessionDescription offer = make_hold_offer(stored, kInactive);
    set_next_version(offer, 12);  // the peer last saw version 12 from us
    EXPECT_EQ(offer.origin.session_version, 13u);
}

// The example of docs/sdp.md.
Result<std::string> hold_body(std::string_view out_sdp) {
    auto last_sent = parse(out_sdp);
    if (!last_sent) return last_sent.error();
    auto offer = make_hold_offer(*last_sent, Direction::kSendOnly);
    return to_string(offer);
}

TEST(HoldOffer, DocumentationExample) {
    const std::string before = crlf(R"(v=0
o=- 3735928559 3 IN IP4 198.51.100.7
s=-
c=IN IP4 198.51.100.7
t=0 0
m=audio 49170 RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=sendrecv
)");
    std::string after = before;
    after.replace(after.find(" 3 IN"), 5, " 4 IN");
    after.replace(after.find("sendrecv"), 8, "sendonly");
    auto body = hold_body(before);
    ASSERT_TRUE(body.ok());
    EXPECT_EQ(*body, after);
    EXPECT_EQ(hold_body("v=0\r\n").error().reason, "SDP: missing o= line");
}

// ---- Media forking -------------------------------------------------------------

TEST(ForkOffer, OneStreamPerSourceStreamWithMediaLevelConnections) {
    SessionDescription caller = parsed(testing::kSessionConnectionOnly);
    SessionDescription callee = parsed(R"(v=0
o=bob 5 5 IN IP4 198.51.100.2
s=-
c=IN IP4 198.51.100.2
b=AS:80
t=0 0
a=ice-lite
a=ptime:30
a=tool:phone
m=audio 20000 RTP/AVP 0
a=rtpmap:0 PCMU/8000
a=ptime:20
a=recvonly
)");
    Origin origin{"tandem", "9001", 1, "IN", "IP4", "127.0.0.1"};
    auto offer = make_fork_offer(caller, callee, origin);
    ASSERT_TRUE(offer.ok()) << offer.error().reason;
    EXPECT_EQ(to_string(*offer), crlf(R"(v=0
o=tandem 9001 1 IN IP4 127.0.0.1
s=-
t=0 0
m=audio 10000 RTP/AVP 8 0 101
c=IN IP4 10.0.0.5
a=rtpmap:8 PCMA/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=maxptime:150
a=sendonly
m=audio 20000 RTP/AVP 0
c=IN IP4 198.51.100.2
b=AS:80
a=tool:phone
a=rtpmap:0 PCMU/8000
a=ptime:20
a=sendonly
)"));
}

TEST(ForkOffer, SharedConnectionGoesToSessionLevel) {
    SessionDescription caller = parsed(kThreeStreams);
    SessionDescription callee = parsed(kThreeStreams);
    callee.media.resize(1);
    callee.media[0].set_direction(kSendOnly);  // the callee holds: its copy is silent
    auto offer = make_fork_offer(caller, callee, Origin{});
    ASSERT_TRUE(offer.ok());
    ASSERT_TRUE(offer->connection.has_value());
    EXPECT_EQ(offer->connection->address, "192.0.2.30");
    ASSERT_EQ(offer->media.size(), 4u);
    for (const MediaDescription& media : offer->media)
        EXPECT_TRUE(media.connections.empty());
    EXPECT_EQ(offer->media[0].direction(), kSendOnly);
    EXPECT_EQ(offer->media[1].direction(), kSendOnly);
    EXPECT_EQ(offer->media[2].direction(), kInactive);  // disabled source stream
    EXPECT_TRUE(offer->media[2].is_disabled());
    EXPECT_EQ(offer->media[3].direction(), kInactive);  // held source stream
    EXPECT_EQ(offer->media[3].attributes.size(), 2u);   // rtpmap + one direction
}

TEST(ForkOffer, MediaLevelKeyAndBandwidthOverrideTheSession) {
    SessionDescription source = parsed(testing::kMediaConnectionOnly);
    auto offer = make_fork_offer(std::array<const SessionDescription*, 1>{&source}, Origin{});
    ASSERT_TRUE(offer.ok());
    ASSERT_EQ(offer->media.size(), 2u);
    EXPECT_EQ(offer->media[0].encryption_key, "prompt");        // from the session
    EXPECT_EQ(offer->media[1].encryption_key, "clear:secret");  // its own
    EXPECT_EQ(offer->media[1].connections.size(), 2u);
    EXPECT_FALSE(offer->connection.has_value());  // the streams' connections differ
    // The session-level recvonly is replaced, not copied: the source does not hold.
    EXPECT_EQ(offer->media[0].direction(), kSendOnly);
    EXPECT_EQ(offer->media[0].attributes.size(), 1u);
}

TEST(ForkOffer, RejectsNothingAndTooMuch) {
    SessionDescription empty;
    auto none = make_fork_offer(empty, empty, Origin{});
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().reason, "no media streams to fork");
    EXPECT_EQ(none.error().status, 488);

    SessionDescription big = parsed(kThreeStreams);
    const MediaDescription stream = big.media[0];
    big.media.resize(40, stream);
    auto too_many = make_fork_offer(big, big, Origin{});
    ASSERT_FALSE(too_many.ok());
    EXPECT_EQ(too_many.error().reason, "too many media streams to fork");
}

TEST(ForkAnswer, SplitsBackPerSource) {
    SessionDescription caller = parsed(kThreeStreams);
    SessionDescription callee = parsed(testing::kSessionConnectionOnly);
    SessionDescription answer = parsed(R"(v=0
o=recorder 1 1 IN IP4 203.0.113.9
s=-
c=IN IP4 203.0.113.9
t=0 0
a=recvonly
m=audio 30000 RTP/AVP 0
m=audio 30002 RTP/AVP 8
m=video 0 RTP/AVP 99
m=audio 30004 RTP/AVP 8
)");
    const std::array<const SessionDescription*, 2> sources = {&caller, &callee};
    auto parts = split_fork_answer(answer, sources);
    ASSERT_TRUE(parts.ok()) << parts.error().reason;
    ASSERT_EQ(parts->size(), 2u);
    EXPECT_EQ(to_string((*parts)[0]), crlf(R"(v=0
o=recorder 1 1 IN IP4 203.0.113.9
s=-
c=IN IP4 203.0.113.9
t=0 0
a=recvonly
m=audio 30000 RTP/AVP 0
m=audio 30002 RTP/AVP 8
m=video 0 RTP/AVP 99
)"));
    ASSERT_EQ((*parts)[1].media.size(), 1u);
    EXPECT_EQ((*parts)[1].media[0].port, 30004);
    EXPECT_EQ((*parts)[1].connection, answer.connection);
}

TEST(ForkAnswer, RejectsAStreamCountMismatch) {
    SessionDescription answer = parsed(kThreeStreams);
    const std::array<std::size_t, 2> counts = {2, 2};
    auto parts = split_fork_answer(answer, counts);
    ASSERT_FALSE(parts.ok());
    EXPECT_EQ(parts.error().reason, "answer has 3 media streams, offer had 4");
    EXPECT_EQ(parts.error().status, 488);
    const std::array<std::size_t, 2> absurd = {SIZE_MAX, 4};
    EXPECT_EQ(split_fork_answer(answer, absurd).error().reason,
              "answer has 3 media streams, offer had " + std::to_string(SIZE_MAX));
    const std::array<std::size_t, 1> fewer = {2};
    EXPECT_FALSE(split_fork_answer(answer, fewer).ok());
}

}  // namespace
}  // namespace tandem::sdp
