#include "sdp/parse.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "sdp/write.h"
#include "sdp_samples.h"

namespace tandem::sdp {
namespace {

using testing::crlf;

SessionDescription parse_ok(std::string_view text) {
    auto parsed = parse(text);
    EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().reason);
    return parsed.ok() ? std::move(parsed).value() : SessionDescription{};
}

std::string reason_for(std::string_view text) {
    auto parsed = parse(text);
    return parsed.ok() ? "(accepted)" : parsed.error().reason;
}

class RoundTrip : public ::testing::TestWithParam<std::string_view> {};

TEST_P(RoundTrip, WritesUnmodifiedInputByteForByte) {
    std::string wire = crlf(GetParam());
    EXPECT_EQ(to_string(parse_ok(wire)), wire);
}

TEST_P(RoundTrip, AcceptsBareLineFeedsAndWritesCrlf) {
    EXPECT_EQ(to_string(parse_ok(GetParam())), crlf(GetParam()));
}

TEST_P(RoundTrip, ReparsingTheOutputGivesTheSameModel) {
    SessionDescription first = parse_ok(crlf(GetParam()));
    EXPECT_EQ(parse_ok(to_string(first)), first);
}

INSTANTIATE_TEST_SUITE_P(Samples, RoundTrip,
                         ::testing::Values(testing::kSoftphoneOffer, testing::kAudioVideoOffer,
                                           testing::kSessionConnectionOnly,
                                           testing::kMediaConnectionOnly, testing::kIpv6Offer));

TEST(Parse, ReadsTheSessionLevel) {
    SessionDescription sdp = parse_ok(crlf(testing::kMediaConnectionOnly));
    EXPECT_EQ(sdp.origin.username, "jdoe");
    EXPECT_EQ(sdp.origin.session_id, "2890844526");
    EXPECT_EQ(sdp.origin.session_version, 2890842807u);
    EXPECT_EQ(sdp.origin.network_type, "IN");
    EXPECT_EQ(sdp.origin.address_type, "IP4");
    EXPECT_EQ(sdp.origin.address, "10.47.16.5");
    EXPECT_EQ(sdp.name, "SDP Seminar");
    EXPECT_EQ(sdp.information, "A Seminar on the session description protocol");
    EXPECT_EQ(sdp.uri, "http://www.example.com/seminars/sdp.pdf");
    EXPECT_EQ(sdp.emails, std::vector<std::string>{"j.doe@example.com (Jane Doe)"});
    EXPECT_EQ(sdp.phones, std::vector<std::string>{"+1 617 555-6011"});
    EXPECT_FALSE(sdp.connection.has_value());
    ASSERT_EQ(sdp.times.size(), 1u);
    EXPECT_EQ(sdp.times[0].start, 2873397496u);
    EXPECT_EQ(sdp.times[0].stop, 2873404696u);
    EXPECT_EQ(sdp.times[0].repeats,
              (std::vector<std::string>{"7d 1h 0 25h", "604800 3600 0 90000"}));
    EXPECT_EQ(sdp.time_zones, "2882844526 -1h 2898848070 0");
    EXPECT_EQ(sdp.encryption_key, "prompt");
    EXPECT_EQ(sdp.direction(), Direction::kRecvOnly);
    EXPECT_EQ(sdp.line_order, "osiueptzka");
}

TEST(Parse, ReadsMediaSections) {
    SessionDescription sdp = parse_ok(crlf(testing::kMediaConnectionOnly));
    ASSERT_EQ(sdp.media.size(), 2u);
    const MediaDescription& audio = sdp.media[0];
    EXPECT_EQ(audio.type, "audio");
    EXPECT_EQ(audio.port, 49170);
    EXPECT_FALSE(audio.port_count.has_value());
    EXPECT_EQ(audio.protocol, "RTP/AVP");
    EXPECT_EQ(audio.formats, std::vector<std::string>{"0"});
    EXPECT_EQ(audio.information, "Speaker");
    ASSERT_EQ(audio.connections.size(), 1u);
    EXPECT_EQ(audio.connections[0].address, "224.2.17.12/127");

    const MediaDescription& video = sdp.media[1];
    EXPECT_EQ(video.port, 51372);
    EXPECT_EQ(video.port_count, 2);
    ASSERT_EQ(video.connections.size(), 2u);
    EXPECT_EQ(video.connections[1].address, "224.2.17.13/127");
    EXPECT_EQ(video.encryption_key, "clear:secret");
    EXPECT_EQ(video.line_order, "ccka");
}

TEST(Parse, ReadsBandwidthAndAttributes) {
    SessionDescription sdp = parse_ok(crlf(testing::kAudioVideoOffer));
    ASSERT_EQ(sdp.bandwidths.size(), 1u);
    EXPECT_EQ(sdp.bandwidths[0], (Bandwidth{"AS", 2048}));
    ASSERT_EQ(sdp.media.size(), 2u);
    EXPECT_EQ(sdp.media[1].bandwidths, (std::vector<Bandwidth>{{"AS", 1920}, {"TIAS", 1920000}}));
    EXPECT_EQ(sdp.media[1].formats, (std::vector<std::string>{"99", "100"}));
    ASSERT_EQ(sdp.attributes.size(), 1u);
    EXPECT_EQ(sdp.attributes[0].name, "msid-semantic");
    EXPECT_EQ(sdp.attributes[0].value, " WMS");  // verbatim, leading space included
    const Attribute* mid = sdp.media[0].find_attribute("mid");
    ASSERT_NE(mid, nullptr);
    EXPECT_EQ(mid->value, "audio");
}

TEST(Parse, ReadsIpv6AndNonRtpFormats) {
    SessionDescription sdp = parse_ok(crlf(testing::kIpv6Offer));
    EXPECT_EQ(sdp.name, " ");
    ASSERT_TRUE(sdp.connection.has_value());
    EXPECT_EQ(sdp.connection->address_type, "IP6");
    EXPECT_EQ(sdp.connection->address, "2001:db8::1");
    EXPECT_EQ(sdp.origin.address, "2001:db8::1");
    ASSERT_EQ(sdp.media.size(), 2u);
    EXPECT_EQ(sdp.media[1].protocol, "UDP/DTLS/SCTP");
    EXPECT_EQ(sdp.media[1].formats, std::vector<std::string>{"webrtc-datachannel"});
    EXPECT_EQ(sdp.media[1].connections.at(0).address, "2001:db8::2");
}

TEST(Parse, KeepsLinesThatAreOutOfTheRfcOrder) {
    // c= after t= at session level; a= before c= and b= inside the stream.
    std::string wire = crlf(R"(v=0
s=-
o=- 1 1 IN IP4 192.0.2.1
t=0 0
c=IN IP4 192.0.2.1
a=tool:x
b=CT:100
m=audio 4000 RTP/AVP 0
a=rtpmap:0 PCMU/8000
c=IN IP4 192.0.2.2
a=ptime:20
b=AS:80
i=late title
)");
    SessionDescription sdp = parse_ok(wire);
    EXPECT_EQ(sdp.line_order, "sotcab");
    EXPECT_EQ(sdp.media.at(0).line_order, "acabi");
    EXPECT_EQ(to_string(sdp), wire);
}

TEST(Parse, AcceptsMediaWithoutFormatsAndPropertyAttributes) {
    SessionDescription sdp = parse_ok(
        "v=0\r\no=- 1 1 IN IP4 h\r\ns=x\r\nm=audio 0 RTP/AVP\r\n"
        "a=rtcp-mux\r\na=fmtp:\r\n");
    ASSERT_EQ(sdp.media.size(), 1u);
    EXPECT_TRUE(sdp.media[0].formats.empty());
    EXPECT_FALSE(sdp.media[0].attributes.at(0).value.has_value());
    EXPECT_EQ(sdp.media[0].attributes.at(1).value, "");  // "a=fmtp:" keeps its colon
    EXPECT_TRUE(sdp.times.empty());                      // t= is not demanded
    EXPECT_EQ(to_string(sdp),
              "v=0\r\no=- 1 1 IN IP4 h\r\ns=x\r\nm=audio 0 RTP/AVP\r\n"
              "a=rtcp-mux\r\na=fmtp:\r\n");
}

TEST(Parse, ReadsTheFullRangeOfNumbers) {
    SessionDescription sdp = parse_ok(
        "v=0\r\no=- 1 18446744073709551615 IN IP4 h\r\ns=x\r\nt=3900000000 18446744073709551615\r\n"
        "m=audio 65535/65535 RTP/AVP 0\r\n");
    EXPECT_EQ(sdp.origin.session_version, 18446744073709551615u);
    EXPECT_EQ(sdp.times.at(0).stop, 18446744073709551615u);
    EXPECT_EQ(sdp.media.at(0).port, 65535);
    EXPECT_EQ(sdp.media.at(0).port_count, 65535);
}

TEST(Parse, ToleratesMissingFinalLineEndAndTrailingEmptyLines) {
    const std::string expected = "v=0\r\no=- 1 1 IN IP4 h\r\ns=x\r\nt=0 0\r\n";
    EXPECT_EQ(to_string(parse_ok("v=0\r\no=- 1 1 IN IP4 h\r\ns=x\r\nt=0 0")), expected);
    EXPECT_EQ(to_string(parse_ok("v=0\no=- 1 1 IN IP4 h\ns=x\nt=0 0\n\n\r\n")), expected);
}

TEST(Parse, AcceptsTheLimits) {
    std::string body = "v=0\r\no=- 1 1 IN IP4 h\r\ns=x\r\n";
    for (std::size_t i = 0; i < kMaxMediaDescriptions; ++i)
        body += "m=audio 1 RTP/AVP 0\r\n";
    EXPECT_EQ(parse_ok(body).media.size(), kMaxMediaDescriptions);

    std::string lines = "v=0\r\no=- 1 1 IN IP4 h\r\ns=x\r\n";
    for (std::size_t i = 3; i < kMaxLines; ++i)
        lines += "a=x\r\n";
    EXPECT_EQ(parse_ok(lines).attributes.size(), kMaxLines - 3);
}

struct Rejection {
    std::string_view body;
    std::string_view reason;
};

class Rejects : public ::testing::TestWithParam<Rejection> {};

TEST_P(Rejects, WithAClearReason) {
    auto parsed = parse(GetParam().body);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().reason, GetParam().reason);
    EXPECT_EQ(parsed.error().status, 400);
}

// The session head most rejection cases start from.
#define HEAD "v=0\r\no=- 1 1 IN IP4 h\r\ns=x\r\n"

INSTANTIATE_TEST_SUITE_P(
    Malformed, Rejects,
    ::testing::Values(
        Rejection{"", "SDP: missing v= line"}, Rejection{"\r\n", "SDP: missing v= line"},
        Rejection{"o=- 1 1 IN IP4 h\r\nv=0\r\n", "SDP line 1: missing v= line"},
        Rejection{"v=1\r\n", "SDP line 1: unsupported SDP version"},
        Rejection{"v=0\r\ns=x\r\n", "SDP: missing o= line"},
        Rejection{"v=0\r\no=- 1 1 IN IP4 h\r\nt=0 0\r\n", "SDP: missing s= line"},
        Rejection{HEAD "v=0\r\n", "SDP line 4: duplicate v= line"},
        Rejection{HEAD "o=- 1 1 IN IP4 h\r\n", "SDP line 4: duplicate o= line"},
        Rejection{HEAD "s=y\r\n", "SDP line 4: duplicate s= line"},
        Rejection{HEAD "i=a\r\ni=b\r\n", "SDP line 5: duplicate i= line"},
        Rejection{HEAD "u=a\r\nu=b\r\n", "SDP line 5: duplicate u= line"},
        Rejection{HEAD "c=IN IP4 a\r\nc=IN IP4 b\r\n", "SDP line 5: duplicate c= line"},
        Rejection{HEAD "z=0 0\r\nz=0 0\r\n", "SDP line 5: duplicate z= line"},
        Rejection{HEAD "k=clear:a\r\nk=clear:b\r\n", "SDP line 5: duplicate k= line"},
        Rejection{"v=0\r\no=- 1 1 IN IP4\r\ns=x\r\n", "SDP line 2: bad o= line"},
        Rejection{"v=0\r\no=- 1 x IN IP4 h\r\ns=x\r\n", "SDP line 2: bad o= line"},
        Rejection{"v=0\r\no=- 1 18446744073709551616 IN IP4 h\r\n", "SDP line 2: bad o= line"},
        Rejection{"v=0\r\no=-  1 1 IN IP4 h\r\n", "SDP line 2: bad o= line"},
        Rejection{"v=0\r\no=- 1 1 IN IP4 h \r\n", "SDP line 2: bad o= line"},
        Rejection{HEAD "c=IN IP4\r\n", "SDP line 4: bad c= line"},
        Rejection{HEAD "c=IN IP4 a b\r\n", "SDP line 4: bad c= line"},
        Rejection{HEAD "b=AS\r\n", "SDP line 4: bad b= line"},
        Rejection{HEAD "b=:64\r\n", "SDP line 4: bad b= line"},
        Rejection{HEAD "b=AS:fast\r\n", "SDP line 4: bad b= line"},
        Rejection{HEAD "t=0\r\n", "SDP line 4: bad t= line"},
        Rejection{HEAD "t=now later\r\n", "SDP line 4: bad t= line"},
        Rejection{HEAD "r=7d 1h 0\r\n", "SDP line 4: r= line not after a t= line"},
        Rejection{HEAD "t=0 0\r\na=x\r\nr=7d 1h 0\r\n", "SDP line 6: r= line not after a t= line"},
        Rejection{HEAD "a=\r\n", "SDP line 4: bad a= line"},
        Rejection{HEAD "a=:value\r\n", "SDP line 4: bad a= line"},
        Rejection{HEAD "m=audio\r\n", "SDP line 4: bad m= line"},
        Rejection{HEAD "m=audio 4000\r\n", "SDP line 4: bad m= line"},
        Rejection{HEAD "m=audio  4000 RTP/AVP 0\r\n", "SDP line 4: bad m= line"},
        Rejection{HEAD "m=audio 4000 RTP/AVP 0 \r\n", "SDP line 4: bad m= line"},
        Rejection{HEAD "m=audio 4000 RTP/AVP 0  8\r\n", "SDP line 4: bad m= line"},
        Rejection{HEAD "m=audio 4000 \r\n", "SDP line 4: bad m= line"},
        Rejection{HEAD "m=audio 65536 RTP/AVP 0\r\n", "SDP line 4: bad port in m= line"},
        Rejection{HEAD "m=audio -1 RTP/AVP 0\r\n", "SDP line 4: bad port in m= line"},
        Rejection{HEAD "m=audio /2 RTP/AVP 0\r\n", "SDP line 4: bad port in m= line"},
        Rejection{HEAD "m=audio 4000/ RTP/AVP 0\r\n", "SDP line 4: bad port count in m= line"},
        Rejection{HEAD "m=audio 4000/x RTP/AVP 0\r\n", "SDP line 4: bad port count in m= line"},
        Rejection{HEAD "m=audio 1 RTP/AVP 0\r\nt=0 0\r\n",
                  "SDP line 5: t= line not allowed in a media section"},
        Rejection{HEAD "m=audio 1 RTP/AVP 0\r\no=- 1 1 IN IP4 h\r\n",
                  "SDP line 5: o= line not allowed in a media section"},
        Rejection{HEAD "m=audio 1 RTP/AVP 0\r\nr=1 1 0\r\n",
                  "SDP line 5: r= line not allowed in a media section"},
        Rejection{HEAD "m=audio 1 RTP/AVP 0\r\ni=a\r\ni=b\r\n", "SDP line 6: duplicate i= line"},
        Rejection{HEAD "m=audio 1 RTP/AVP 0\r\nk=a\r\nk=b\r\n", "SDP line 6: duplicate k= line"},
        Rejection{HEAD "m=audio 1 RTP/AVP 0\r\nc=IN\r\n", "SDP line 5: bad c= line"},
        Rejection{HEAD "m=audio 1 RTP/AVP 0\r\nb=AS:\r\n", "SDP line 5: bad b= line"},
        Rejection{HEAD "m=audio 1 RTP/AVP 0\r\na=\r\n", "SDP line 5: bad a= line"},
        Rejection{HEAD "x=extension\r\n", "SDP line 4: unknown line type 'x='"},
        Rejection{HEAD "A=upper\r\n", "SDP line 4: unknown line type 'A='"},
        Rejection{HEAD "hello\r\n", "SDP line 4: not a <type>=<value> line"},
        Rejection{HEAD "a\r\n", "SDP line 4: not a <type>=<value> line"},
        Rejection{HEAD " a=x\r\n", "SDP line 4: not a <type>=<value> line"},
        Rejection{HEAD "\r\na=x\r\n", "SDP line 4: empty line"},
        Rejection{HEAD "a=x\ry\r\n", "SDP line 4: NUL or CR inside a line"},
        Rejection{std::string_view(HEAD "a=x\0y\r\n", sizeof(HEAD) + 6),
                  "SDP line 4: NUL or CR inside a line"}));

#undef HEAD

TEST(Parse, RejectsTooManyMediaSections) {
    std::string body = "v=0\r\no=- 1 1 IN IP4 h\r\ns=x\r\n";
    for (std::size_t i = 0; i <= kMaxMediaDescriptions; ++i)
        body += "m=audio 1 RTP/AVP 0\r\n";
    EXPECT_EQ(reason_for(body), "SDP line 68: too many media sections");
}

TEST(Parse, RejectsTooManyLines) {
    std::string body = "v=0\r\no=- 1 1 IN IP4 h\r\ns=x\r\n";
    for (std::size_t i = 3; i <= kMaxLines; ++i)
        body += "a=x\r\n";
    EXPECT_EQ(reason_for(body), "SDP line 4097: too many lines");
}

// The fuzz target explores far more; this keeps a deterministic sample of
// truncations and byte mutations in every test run. Whatever is accepted
// must write out to something that parses to the same model.
TEST(Parse, SurvivesTruncatedAndMutatedInput) {
    std::mt19937 random(20240601);
    static constexpr char kBytes[] = "=\r\n \0:/amvocst0123456789\xff";
    const std::string_view alphabet(kBytes, sizeof(kBytes) - 1);
    std::size_t accepted = 0;
    for (std::string_view sample : {testing::kSoftphoneOffer, testing::kAudioVideoOffer,
                                    testing::kMediaConnectionOnly, testing::kIpv6Offer}) {
        std::string wire = crlf(sample);
        std::vector<std::string> inputs;
        for (std::size_t cut = 0; cut <= wire.size(); ++cut)
            inputs.push_back(wire.substr(0, cut));
        for (int round = 0; round < 400; ++round) {
            std::string mutated = wire;
            for (int edits = 0; edits < 3; ++edits) {
                std::size_t at = random() % mutated.size();
                mutated[at] = alphabet[random() % alphabet.size()];
            }
            inputs.push_back(std::move(mutated));
        }
        for (const std::string& input : inputs) {
            auto parsed = parse(input);
            if (!parsed.ok()) {
                EXPECT_FALSE(parsed.error().reason.empty());
                continue;
            }
            ++accepted;
            std::string written = to_string(*parsed);
            auto reparsed = parse(written);
            ASSERT_TRUE(reparsed.ok()) << written;
            EXPECT_EQ(*reparsed, *parsed) << written;
            EXPECT_EQ(to_string(*reparsed), written);
        }
    }
    EXPECT_GT(accepted, 100u);  // the check above really ran
}

}  // namespace
}  // namespace tandem::sdp
