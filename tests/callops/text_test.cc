// The pure texts of call control: Refer-To targets and their escaping, the
// matching parameter taken off a Request-URI, sipfrag status lines, and the
// hold direction algebra with the SDP offers it makes.
#include <gtest/gtest.h>

#include "callops/call_ops.h"
#include "callops/callops_module.h"
#include "callops/hold_sdp.h"
#include "callops/refer_to.h"
#include "callops/sipfrag.h"
#include "sdp/parse.h"
#include "sip/headers.h"
#include "sip/syntax.h"
#include "sip/uri.h"

namespace tandem::callops {
namespace {

using dialog::Side;

TEST(Names, ModeAndLegsAreCaseInsensitive) {
    // As in OpenSIPS, whose scripts write them in any case.
    EXPECT_EQ(mode_from_text("PARAM"), Mode::Param);
    EXPECT_EQ(mode_from_text("Manual"), Mode::Manual);
    EXPECT_EQ(mode_from_text("CallId"), Mode::CallId);
    EXPECT_EQ(mode_from_text("2"), Mode::CallId);
    EXPECT_EQ(mode_from_text("params"), std::nullopt);
    EXPECT_EQ(legs_from_name("Caller"), Legs::Caller);
    EXPECT_EQ(legs_from_name("CALLEE"), Legs::Callee);
    EXPECT_EQ(legs_from_name("Both"), Legs::Both);
    EXPECT_EQ(legs_from_name("callers"), std::nullopt);
    EXPECT_EQ(side_from_leg_name("CaLLeR"), Side::Caller);
    EXPECT_EQ(side_from_leg_name("CALLEE"), Side::Callee);
    EXPECT_EQ(side_from_leg_name("both"), std::nullopt);
}

TEST(Settings, ReadFromTheModuleParameters) {
    script::ScriptConfig config;
    EXPECT_TRUE(callops_settings(config, 1).transfer_ends_call);
    config.modparams["callops"]["mode"] = script::ParamValue{std::string("CALLID")};
    config.modparams["callops"]["transfer_ends_call"] = script::ParamValue{std::int64_t{0}};
    const Settings settings = callops_settings(config, 2);
    EXPECT_EQ(settings.mode, Mode::CallId);
    EXPECT_FALSE(settings.transfer_ends_call);
    EXPECT_EQ(settings.shard_count, 2u);
}

TEST(ReferTo, EscapesWhatAParameterValueMayNotHold) {
    EXPECT_EQ(escape_param_value("abc-1.2_x~"), "abc-1.2_x~");
    EXPECT_EQ(escape_param_value("a84b@host;x=1"), "a84b%40host%3Bx%3D1");
    EXPECT_EQ(escape_param_value("a b"), "a%20b");
    EXPECT_EQ(escape_param_value("[::1]:5060/+$&"), "[::1]:5060/+$&");
}

TEST(ReferTo, EscapesWhatAHeaderValueMayNotHold) {
    EXPECT_EQ(escape_header_value("id@host;to-tag=1&x"), "id%40host%3Bto-tag%3D1%26x");
    EXPECT_EQ(escape_header_value("a?b:c"), "a?b:c");
}

TEST(ReferTo, BlindTargetCarriesTheMatchingParameter) {
    EXPECT_EQ(*blind_target("sip:carol@127.0.0.1:5072", "osid", "1a2b"),
              "sip:carol@127.0.0.1:5072;osid=1a2b");
    // Before URI headers, after existing parameters; the value escaped.
    EXPECT_EQ(*blind_target("sip:carol@h;transport=tcp?Subject=x", "osid", "c1@h"),
              "sip:carol@h;transport=tcp;osid=c1%40h?Subject=x");
    // A '?' in the user part is not the start of the headers.
    EXPECT_EQ(*blind_target("sip:a%3Fb@h", "osid", "1"), "sip:a%3Fb@h;osid=1");
    // Manual mode: nothing added.
    EXPECT_EQ(*blind_target("sip:carol@h", {}, {}), "sip:carol@h");
}

TEST(ReferTo, BlindTargetNeedsASipUri) {
    EXPECT_EQ(blind_target("carol", "osid", "1").error().status, 400);
    EXPECT_EQ(blind_target("tel:+123", "osid", "1").error().status, 400);
    EXPECT_FALSE(blind_target("", "osid", "1").ok());
}

TEST(ReferTo, AttendedTargetEmbedsReplaces) {
    EXPECT_EQ(*attended_target("sip:carol@h", "b@x", "tt", "ft"),
              "sip:carol@h?Replaces=b%40x%3Bto-tag%3Dtt%3Bfrom-tag%3Dft");
    EXPECT_EQ(*attended_target("sip:carol@h?Subject=hi", "b", "t", "f"),
              "sip:carol@h?Subject=hi&Replaces=b%3Bto-tag%3Dt%3Bfrom-tag%3Df");
    EXPECT_FALSE(attended_target("sip:c@h?Replaces=x", "b", "t", "f").ok());
    EXPECT_EQ(refer_to_value("sip:c@h"), "<sip:c@h>");
}

TEST(ReferTo, AttendedTargetParsesBackAsAReplacesHeader) {
    // What the transferee puts in its INVITE: the header value unescaped.
    const std::string plain = *attended_target("sip:carol@h", "b@x", "tt", "ft");
    auto plain_uri = sip::parse_uri(plain);
    const std::string header = sip::unescape(*plain_uri->header("Replaces"));
    auto plain_replaces = sip::parse_replaces(header);
    ASSERT_TRUE(plain_replaces.ok());
    EXPECT_EQ(plain_replaces->call_id, "b@x");
    EXPECT_EQ(plain_replaces->to_tag, "tt");
    EXPECT_EQ(plain_replaces->from_tag, "ft");
}

TEST(ReferTo, TakesTheMatchingParameterOffTheRequestUri) {
    auto taken = take_uri_param("sip:carol@127.0.0.1:5072;osid=1a2b", "osid");
    ASSERT_TRUE(taken);
    EXPECT_EQ(taken->value, "1a2b");
    EXPECT_EQ(taken->uri, "sip:carol@127.0.0.1:5072");

    taken = take_uri_param("sip:carol@h;transport=udp;OSID=c1%40h;lr?Subject=x", "osid");
    ASSERT_TRUE(taken);
    EXPECT_EQ(taken->value, "c1@h");
    EXPECT_EQ(taken->uri, "sip:carol@h;transport=udp;lr?Subject=x");

    EXPECT_FALSE(take_uri_param("sip:carol@h;transport=udp", "osid"));
    EXPECT_FALSE(take_uri_param("not a uri", "osid"));
}

TEST(SipFrag, ReadsTheStatusLine) {
    auto frag = parse_sipfrag("SIP/2.0 180 Ringing\r\n");
    ASSERT_TRUE(frag.ok());
    EXPECT_EQ(frag->code, 180);
    EXPECT_EQ(frag->status, "180 Ringing");
    frag = parse_sipfrag("SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n");
    ASSERT_TRUE(frag.ok());
    EXPECT_EQ(frag->status, "200 OK");
    frag = parse_sipfrag("SIP/2.0 503");
    ASSERT_TRUE(frag.ok());
    EXPECT_EQ(frag->code, 503);
}

TEST(SipFrag, RefusesOtherBodies) {
    EXPECT_EQ(parse_sipfrag("").error().status, 400);
    EXPECT_FALSE(parse_sipfrag("v=0\r\n").ok());
    EXPECT_FALSE(parse_sipfrag("SIP/2.0 OK").ok());
    EXPECT_FALSE(parse_sipfrag("SIP/2.0 99 Low").ok());
    EXPECT_FALSE(parse_sipfrag("SIP/2.0 1800 Ringing").ok());
    EXPECT_FALSE(parse_sipfrag("INVITE sip:a@b SIP/2.0\r\n").ok());
}

TEST(HoldAlgebra, EachHoldRestrictsBothLegs) {
    const Holds none;
    const Holds caller{true, false};
    const Holds callee{false, true};
    const Holds both{true, true};
    EXPECT_EQ(offered_bits(none, Side::Caller), 0);
    EXPECT_EQ(offered_direction(offered_bits(caller, Side::Caller)), sdp::Direction::kSendOnly);
    EXPECT_EQ(offered_direction(offered_bits(caller, Side::Callee)), sdp::Direction::kRecvOnly);
    EXPECT_EQ(offered_direction(offered_bits(callee, Side::Callee)), sdp::Direction::kSendOnly);
    EXPECT_EQ(offered_direction(offered_bits(callee, Side::Caller)), sdp::Direction::kRecvOnly);
    EXPECT_EQ(offered_direction(offered_bits(both, Side::Caller)), sdp::Direction::kInactive);
    EXPECT_EQ(offered_direction(offered_bits(both, Side::Callee)), sdp::Direction::kInactive);
    EXPECT_EQ(offered_direction(0), sdp::Direction::kSendRecv);
}

const char* const kTwoStreams =
    "v=0\r\no=- 7 41 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n"
    "m=video 0 RTP/AVP 96\r\n"
    "m=video 4002 RTP/AVP 96\r\na=recvonly\r\n";

TEST(HoldOffer, SetsEveryEnabledStreamAndBumpsTheVersion) {
    auto offer = hold_offer(kTwoStreams, kOfferedSendOnly, 41);
    ASSERT_TRUE(offer.ok());
    auto parsed = sdp::parse(*offer);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->origin.session_version, 42u);
    EXPECT_EQ(parsed->media[0].direction(), sdp::Direction::kSendOnly);
    EXPECT_FALSE(parsed->media[1].direction());  // disabled: untouched
    // recvonly already withholds sending: with sendonly nothing is left.
    EXPECT_EQ(parsed->media[2].direction(), sdp::Direction::kInactive);
}

TEST(HoldOffer, ResumeGivesTheOriginalBackWithANewerVersion) {
    auto offer = hold_offer(kTwoStreams, 0, 43);
    ASSERT_TRUE(offer.ok());
    std::string expected = kTwoStreams;
    expected.replace(expected.find(" 41 "), 4, " 44 ");
    EXPECT_EQ(*offer, expected);
}

TEST(HoldOffer, AddsADirectionWhereThereWasNone) {
    auto offer =
        hold_offer("v=0\r\no=- 1 5 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n",
                   kOfferedSendOnly | kOfferedRecvOnly, 5);
    ASSERT_TRUE(offer.ok());
    EXPECT_NE(offer->find("a=inactive\r\n"), std::string::npos);
    EXPECT_NE(offer->find("o=- 1 6 "), std::string::npos);
    EXPECT_EQ(hold_offer("not sdp", 1, 0).error().status, 488);
    EXPECT_EQ(sdp_version(kTwoStreams), 41u);
}

}  // namespace
}  // namespace tandem::callops
