#include "sdp/session_description.h"

#include <gtest/gtest.h>

#include <limits>

#include "sdp/parse.h"
#include "sdp_samples.h"

namespace tandem::sdp {
namespace {

MediaDescription media_with(std::vector<Attribute> attributes) {
    MediaDescription media;
    media.type = "audio";
    media.port = 4000;
    media.protocol = "RTP/AVP";
    media.formats = {"0"};
    media.attributes = std::move(attributes);
    return media;
}

TEST(Direction, NamesRoundTrip) {
    for (Direction d :
         {Direction::kSendRecv, Direction::kSendOnly, Direction::kRecvOnly, Direction::kInactive}) {
        EXPECT_EQ(direction_from_name(direction_name(d)), d);
    }
    EXPECT_EQ(direction_name(Direction::kRecvOnly), "recvonly");
    EXPECT_FALSE(direction_from_name("SendOnly").has_value());  // names are case-sensitive
    EXPECT_FALSE(direction_from_name("ptime").has_value());
}

TEST(MediaDirection, ReadsTheOwnAttributeOnly) {
    EXPECT_FALSE(media_with({{"ptime", "20"}}).direction().has_value());
    EXPECT_EQ(media_with({{"ptime", "20"}, {"sendonly", {}}}).direction(), Direction::kSendOnly);
    // With a value it is some other attribute that shares the name.
    EXPECT_FALSE(media_with({{"inactive", "1"}}).direction().has_value());
    // Contradicting attributes: the first one counts.
    EXPECT_EQ(media_with({{"recvonly", {}}, {"sendrecv", {}}}).direction(), Direction::kRecvOnly);
}

TEST(MediaDirection, SetReplacesInPlace) {
    MediaDescription media =
        media_with({{"rtpmap", "0 PCMU/8000"}, {"sendrecv", {}}, {"ptime", "20"}});
    EXPECT_TRUE(media.set_direction(Direction::kInactive));
    EXPECT_EQ(media.attributes, (std::vector<Attribute>{
                                    {"rtpmap", "0 PCMU/8000"}, {"inactive", {}}, {"ptime", "20"}}));
    EXPECT_FALSE(media.set_direction(Direction::kInactive));
}

TEST(MediaDirection, SetAppendsWhenMissing) {
    MediaDescription media = media_with({{"ptime", "20"}});
    EXPECT_TRUE(media.set_direction(Direction::kSendOnly));
    EXPECT_EQ(media.attributes, (std::vector<Attribute>{{"ptime", "20"}, {"sendonly", {}}}));
}

TEST(MediaDirection, SetDropsContradictingDuplicates) {
    MediaDescription media =
        media_with({{"sendonly", {}}, {"ptime", "20"}, {"recvonly", {}}, {"sendonly", {}}});
    EXPECT_TRUE(media.set_direction(Direction::kSendOnly));  // the first already says so
    EXPECT_EQ(media.attributes, (std::vector<Attribute>{{"sendonly", {}}, {"ptime", "20"}}));
}

TEST(MediaDirection, Remove) {
    MediaDescription media = media_with({{"inactive", {}}, {"ptime", "20"}, {"sendonly", {}}});
    EXPECT_TRUE(media.remove_direction());
    EXPECT_EQ(media.attributes, (std::vector<Attribute>{{"ptime", "20"}}));
    EXPECT_FALSE(media.remove_direction());
}

TEST(SessionDirection, ReadAndSet) {
    SessionDescription session;
    EXPECT_FALSE(session.direction().has_value());
    EXPECT_TRUE(session.set_direction(Direction::kRecvOnly));
    EXPECT_EQ(session.direction(), Direction::kRecvOnly);
    EXPECT_TRUE(session.remove_direction());
    EXPECT_TRUE(session.attributes.empty());
}

TEST(MediaAttributes, FindAddRemove) {
    MediaDescription media = media_with({{"candidate", "1"}, {"ptime", "20"}, {"candidate", "2"}});
    ASSERT_NE(media.find_attribute("candidate"), nullptr);
    EXPECT_EQ(media.find_attribute("candidate")->value, "1");
    EXPECT_EQ(media.find_attribute("Ptime"), nullptr);
    media.add_attribute("rtcp-mux");
    media.add_attribute("maxptime", "40");
    EXPECT_EQ(media.remove_attributes("candidate"), 2u);
    EXPECT_EQ(media.attributes,
              (std::vector<Attribute>{{"ptime", "20"}, {"rtcp-mux", {}}, {"maxptime", "40"}}));
}

TEST(RtpMapAndFmtp, ReadPerPayloadType) {
    auto parsed = parse(testing::crlf(testing::kSoftphoneOffer));
    ASSERT_TRUE(parsed.ok());
    const MediaDescription& audio = parsed->media.at(0);

    auto opus = audio.rtpmap(96);
    ASSERT_TRUE(opus.has_value());
    EXPECT_EQ(opus->payload_type, 96u);
    EXPECT_EQ(opus->encoding_name, "opus");
    EXPECT_EQ(opus->clock_rate, 48000u);
    EXPECT_EQ(opus->encoding_parameters, "2");
    EXPECT_EQ(audio.fmtp(96), "useinbandfec=1; minptime=10");

    auto events = audio.rtpmap(101);
    ASSERT_TRUE(events.has_value());
    EXPECT_EQ(events->encoding_name, "telephone-event");
    EXPECT_EQ(events->clock_rate, 8000u);
    EXPECT_TRUE(events->encoding_parameters.empty());
    EXPECT_EQ(audio.fmtp(101), "0-16");

    EXPECT_EQ(audio.rtpmap(0)->encoding_name, "PCMU");
    EXPECT_FALSE(audio.fmtp(0).has_value());
    EXPECT_FALSE(audio.rtpmap(9).has_value());  // not listed
    EXPECT_FALSE(audio.rtpmap(1).has_value());  // "1" must not match "18" or "101"
}

TEST(RtpMapAndFmtp, MalformedValuesReadAsAbsent) {
    MediaDescription media = media_with({{"rtpmap", "0 PCMU"},
                                         {"rtpmap", "8 /8000"},
                                         {"rtpmap", "9 G722/fast"},
                                         {"rtpmap", "x PCMU/8000"},
                                         {"rtpmap", {}},
                                         {"fmtp", "101"},
                                         {"fmtp", {}}});
    EXPECT_FALSE(media.rtpmap(0).has_value());
    EXPECT_FALSE(media.rtpmap(8).has_value());
    EXPECT_FALSE(media.rtpmap(9).has_value());
    EXPECT_EQ(media.fmtp(101), "");  // present without parameters
    EXPECT_FALSE(media.fmtp(200).has_value());
}

TEST(Origin, BumpVersion) {
    Origin origin;
    origin.session_version = 41;
    origin.bump_version();
    EXPECT_EQ(origin.session_version, 42u);
    origin.session_version = std::numeric_limits<std::uint64_t>::max();
    origin.bump_version();
    EXPECT_EQ(origin.session_version, 0u);
}

TEST(MediaDescription, DisabledMeansPortZero) {
    MediaDescription media = media_with({});
    EXPECT_FALSE(media.is_disabled());
    media.port = 0;
    EXPECT_TRUE(media.is_disabled());
}

}  // namespace
}  // namespace tandem::sdp
