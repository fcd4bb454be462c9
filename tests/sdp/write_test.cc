#include "sdp/write.h"

#include <gtest/gtest.h>

#include "sdp/parse.h"
#include "sdp_samples.h"

namespace tandem::sdp {
namespace {

using testing::crlf;

SessionDescription parsed(std::string_view text) {
    auto result = parse(crlf(text));
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().reason);
    return result.ok() ? std::move(result).value() : SessionDescription{};
}

TEST(Write, DefaultDescriptionIsMinimalValidSdp) {
    EXPECT_EQ(to_string(SessionDescription{}),
              "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
}

TEST(Write, BuiltDescriptionFollowsRfcOrder) {
    SessionDescription sdp;
    sdp.origin = Origin{"tandem", "77", 5, "IN", "IP4", "203.0.113.1"};
    sdp.attributes.push_back({"tool", "tandem"});
    sdp.encryption_key = "prompt";
    sdp.time_zones = "0 0";
    sdp.times[0].repeats.push_back("1d 1h 0");
    sdp.bandwidths.push_back({"CT", 128});
    sdp.connection = Connection{"IN", "IP4", "203.0.113.1"};
    sdp.phones.push_back("+1 555");
    sdp.emails.push_back("ops@example.com");
    sdp.uri = "http://example.com";
    sdp.information = "info";
    sdp.name = "call";
    MediaDescription& audio = sdp.media.emplace_back();
    audio.type = "audio";
    audio.port = 30000;
    audio.port_count = 2;
    audio.protocol = "RTP/AVP";
    audio.formats = {"0", "101"};
    audio.add_attribute("rtpmap", "0 PCMU/8000");
    audio.encryption_key = "clear:k";
    audio.bandwidths.push_back({"AS", 80});
    audio.connections.push_back({"IN", "IP4", "203.0.113.2"});
    audio.information = "voice";
    EXPECT_EQ(to_string(sdp), crlf(R"(v=0
o=tandem 77 5 IN IP4 203.0.113.1
s=call
i=info
u=http://example.com
e=ops@example.com
p=+1 555
c=IN IP4 203.0.113.1
b=CT:128
t=0 0
r=1d 1h 0
z=0 0
k=prompt
a=tool:tandem
m=audio 30000/2 RTP/AVP 0 101
i=voice
c=IN IP4 203.0.113.2
b=AS:80
k=clear:k
a=rtpmap:0 PCMU/8000
)"));
}

TEST(Write, AppendsToExistingText) {
    std::string out = "prefix:";
    write(SessionDescription{}, out);
    EXPECT_TRUE(out.starts_with("prefix:v=0\r\n"));
}

TEST(Write, EditedFieldsAreWrittenInPlace) {
    SessionDescription sdp = parsed(testing::kSessionConnectionOnly);
    sdp.origin.session_version = 1822;
    sdp.connection->address = "10.0.0.6";
    sdp.media[0].port = 10002;
    sdp.media[0].formats = {"8", "101"};
    sdp.media[0].set_direction(Direction::kSendOnly);
    EXPECT_EQ(to_string(sdp), crlf(R"(v=0
o=root 1821 1822 IN IP4 10.0.0.5
s=Asterisk PBX 18.0
c=IN IP4 10.0.0.6
t=0 0
m=audio 10002 RTP/AVP 8 101
a=rtpmap:8 PCMA/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=maxptime:150
a=sendonly
)"));
}

TEST(Write, AddedLinesTakeTheirRfcPlace) {
    SessionDescription sdp = parsed(testing::kSessionConnectionOnly);
    MediaDescription& audio = sdp.media[0];
    audio.set_direction(Direction::kInactive);
    audio.remove_direction();
    audio.add_attribute("inactive");                         // after the last a=
    audio.connections.push_back({"IN", "IP4", "10.0.0.9"});  // no c= before: ahead of a=
    audio.bandwidths.push_back({"AS", 64});                  // then b=
    sdp.bandwidths.push_back({"CT", 100});                   // after the session c=
    sdp.attributes.push_back({"tool", "x"});                 // after t=, before m=
    sdp.information = "added";                               // between s= and c=
    EXPECT_EQ(to_string(sdp), crlf(R"(v=0
o=root 1821 1821 IN IP4 10.0.0.5
s=Asterisk PBX 18.0
i=added
c=IN IP4 10.0.0.5
b=CT:100
t=0 0
a=tool:x
m=audio 10000 RTP/AVP 8 0 101
c=IN IP4 10.0.0.9
b=AS:64
a=rtpmap:8 PCMA/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=maxptime:150
a=inactive
)"));
}

TEST(Write, ExtraLinesFollowTheLastOfTheirKindInOutOfOrderInput) {
    SessionDescription sdp = parsed(R"(v=0
o=- 1 1 IN IP4 h
s=-
t=0 0
m=audio 4000 RTP/AVP 0
a=rtpmap:0 PCMU/8000
c=IN IP4 192.0.2.1
a=ptime:20
)");
    sdp.media[0].connections.push_back({"IN", "IP4", "192.0.2.2"});
    sdp.media[0].add_attribute("sendonly");
    EXPECT_EQ(to_string(sdp), crlf(R"(v=0
o=- 1 1 IN IP4 h
s=-
t=0 0
m=audio 4000 RTP/AVP 0
a=rtpmap:0 PCMU/8000
c=IN IP4 192.0.2.1
c=IN IP4 192.0.2.2
a=ptime:20
a=sendonly
)"));
}

TEST(Write, RemovedLinesLeaveNoTrace) {
    SessionDescription sdp = parsed(testing::kMediaConnectionOnly);
    sdp.information.reset();
    sdp.emails.clear();
    sdp.times[0].repeats.clear();
    sdp.encryption_key.reset();
    sdp.media[1].connections.pop_back();
    sdp.media[1].attributes.clear();
    sdp.media.erase(sdp.media.begin());
    EXPECT_EQ(to_string(sdp), crlf(R"(v=0
o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5
s=SDP Seminar
u=http://www.example.com/seminars/sdp.pdf
p=+1 617 555-6011
t=2873397496 2873404696
z=2882844526 -1h 2898848070 0
a=recvonly
m=video 51372/2 RTP/AVP 99
c=IN IP4 224.2.17.12/127
k=clear:secret
)"));
}

TEST(Write, IgnoresUnknownLetterInLineOrder) {
    SessionDescription sdp;
    sdp.line_order = "?xso";  // hand-edited nonsense must not break the writer
    sdp.attributes.push_back({"a", "b"});
    EXPECT_EQ(to_string(sdp), "v=0\r\ns=-\r\no=- 0 0 IN IP4 127.0.0.1\r\nt=0 0\r\na=a:b\r\n");
}

}  // namespace
}  // namespace tandem::sdp
