// Realistic SDP bodies shared by the sdp tests, written with LF line ends
// for readability; crlf() turns them into wire form.
#pragma once

#include <string>
#include <string_view>

namespace tandem::sdp::testing {

inline std::string crlf(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 16);
    for (char c : text) {
        if (c == '\n') out += '\r';
        out += c;
    }
    return out;
}

// A softphone offer: several codecs with rtpmap/fmtp, telephone-event, RTCP
// and ICE attributes, session-level c=.
inline constexpr std::string_view kSoftphoneOffer = R"(v=0
o=alice 2890844526 2890844526 IN IP4 192.0.2.10
s=Talk
c=IN IP4 192.0.2.10
t=0 0
a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics
m=audio 7078 RTP/AVP 96 97 0 8 18 101
a=rtpmap:96 opus/48000/2
a=fmtp:96 useinbandfec=1; minptime=10
a=rtpmap:97 speex/16000
a=fmtp:97 vbr=on
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:18 G729/8000
a=fmtp:18 annexb=no
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=rtcp:7079
a=ptime:20
a=sendrecv
a=ice-ufrag:F7gI
a=ice-pwd:x9cml/YzichV2+XlhiMu8g
a=candidate:1 1 UDP 2130706431 192.0.2.10 7078 typ host
a=candidate:1 2 UDP 2130706430 192.0.2.10 7079 typ host
a=candidate:2 1 UDP 1694498815 203.0.113.5 40000 typ srflx raddr 192.0.2.10 rport 7078
a=rtcp-mux
)";

// Audio and video with bandwidth lines at both levels.
inline constexpr std::string_view kAudioVideoOffer = R"(v=0
o=- 3735928559 3 IN IP4 198.51.100.7
s=-
i=A video call
c=IN IP4 198.51.100.7
b=AS:2048
t=0 0
a=msid-semantic: WMS
m=audio 49170 RTP/AVP 0 8 101
b=AS:64
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=ptime:20
a=mid:audio
m=video 51372 RTP/AVP 99 100
b=AS:1920
b=TIAS:1920000
a=rtpmap:99 H264/90000
a=fmtp:99 profile-level-id=42e01f;packetization-mode=1
a=rtpmap:100 VP8/90000
a=rtcp-fb:* nack
a=rtcp-fb:* nack pli
a=rtcp-fb:* ccm fir
a=mid:video
)";

// A PBX answer with the connection at session level only.
inline constexpr std::string_view kSessionConnectionOnly = R"(v=0
o=root 1821 1821 IN IP4 10.0.0.5
s=Asterisk PBX 18.0
c=IN IP4 10.0.0.5
t=0 0
m=audio 10000 RTP/AVP 8 0 101
a=rtpmap:8 PCMA/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=maxptime:150
a=sendrecv
)";

// Connections at media level only, with every optional session line:
// i=, u=, e=, p=, repeat times, time zones, a key, several c= in a stream.
inline constexpr std::string_view kMediaConnectionOnly = R"(v=0
o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5
s=SDP Seminar
i=A Seminar on the session description protocol
u=http://www.example.com/seminars/sdp.pdf
e=j.doe@example.com (Jane Doe)
p=+1 617 555-6011
t=2873397496 2873404696
r=7d 1h 0 25h
r=604800 3600 0 90000
z=2882844526 -1h 2898848070 0
k=prompt
a=recvonly
m=audio 49170 RTP/AVP 0
i=Speaker
c=IN IP4 224.2.17.12/127
m=video 51372/2 RTP/AVP 99
c=IN IP4 224.2.17.12/127
c=IN IP4 224.2.17.13/127
k=clear:secret
a=rtpmap:99 h263-1998/90000
)";

// IPv6 addresses, SRTP and a data channel without numeric formats.
inline constexpr std::string_view kIpv6Offer = R"(v=0
o=bob 7458 2 IN IP6 2001:db8::1
s= 
c=IN IP6 2001:db8::1
t=0 0
m=audio 5004 RTP/SAVP 0 101
a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=sendonly
m=application 5006 UDP/DTLS/SCTP webrtc-datachannel
c=IN IP6 2001:db8::2
a=sctp-port:5000
a=inactive
)";

}  // namespace tandem::sdp::testing
