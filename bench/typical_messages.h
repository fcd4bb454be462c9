// The messages the benchmarks measure: what a proxy sees on a typical call.
#pragma once

#include <string_view>

namespace tandem::bench {

// A 900-byte-class INVITE from a softphone through one proxy, with an SDP
// offer (audio with four codecs).
inline constexpr std::string_view kTypicalInvite =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK74bf9.1;rport\r\n"
    "Via: SIP/2.0/UDP 198.51.100.7:5062;received=198.51.100.7;branch=z9hG4bK-524287-1--d8754z\r\n"
    "Max-Forwards: 69\r\n"
    "Route: <sip:192.0.2.20;lr>\r\n"
    "Record-Route: <sip:192.0.2.10;lr>\r\n"
    "Contact: <sip:alice@198.51.100.7:5062;transport=udp>\r\n"
    "To: <sip:bob@biloxi.example.com>\r\n"
    "From: \"Alice\" <sip:alice@atlanta.example.com>;tag=e5d3f2a1\r\n"
    "Call-ID: NzE5YjQ2ZmU4MDBjMjM3ZWJhYjI0ZjUwMWNkMjFhYWY\r\n"
    "CSeq: 2 INVITE\r\n"
    "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, OPTIONS\r\n"
    "Supported: replaces, norefersub, extended-refer, timer\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 270\r\n"
    "\r\n"
    "v=0\r\n"
    "o=- 1701874213 1701874214 IN IP4 198.51.100.7\r\n"
    "s=softphone\r\n"
    "c=IN IP4 198.51.100.7\r\n"
    "t=0 0\r\n"
    "m=audio 56044 RTP/AVP 9 8 0 101\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-16\r\n"
    "a=ptime:20\r\n"
    "a=sendrecv\r\n";

// An offer with an audio and a video stream.
inline constexpr std::string_view kTwoStreamSdp =
    "v=0\r\n"
    "o=alice 2890844526 2890844527 IN IP4 198.51.100.7\r\n"
    "s=-\r\n"
    "c=IN IP4 198.51.100.7\r\n"
    "t=0 0\r\n"
    "m=audio 49170 RTP/AVP 0 8 97 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:97 iLBC/8000\r\n"
    "a=fmtp:97 mode=30\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=ptime:20\r\n"
    "a=sendrecv\r\n"
    "m=video 51372 RTP/AVP 96 31\r\n"
    "b=AS:512\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\n"
    "a=rtpmap:31 H261/90000\r\n"
    "a=sendrecv\r\n";

}  // namespace tandem::bench
