#include "transport/recording_transport.h"

#include <gtest/gtest.h>

#include <optional>

namespace tandem::transport {
namespace {

TEST(RecordingTransport, RecordsWhatWouldHaveBeenSent) {
    const Endpoint local = *Endpoint::parse("udp:127.0.0.1:5060");
    RecordingTransport recorder{{local}};
    Transport& transport = recorder;  // used through the interface, as a layer would

    ReceivedMessage request{"INVITE ...", *Endpoint::parse("udp:192.0.2.1:5070"), local,
                            ConnectionId{}};
    ASSERT_TRUE(
        transport.send(request.source, "SIP/2.0 100 Trying\r\n\r\n", SendOptions::reply_to(request))
            .ok());
    ASSERT_EQ(recorder.sent().size(), 1u);
    EXPECT_EQ(recorder.sent()[0].destination, request.source);
    EXPECT_EQ(recorder.sent()[0].bytes, "SIP/2.0 100 Trying\r\n\r\n");
    EXPECT_EQ(recorder.sent()[0].options.local, local);
    EXPECT_FALSE(recorder.sent()[0].options.connection);
    ASSERT_EQ(transport.local_endpoints().size(), 1u);
    EXPECT_EQ(transport.local_endpoints()[0], local);

    recorder.clear();
    EXPECT_TRUE(recorder.sent().empty());
}

TEST(RecordingTransport, FailsSendsOnRequest) {
    RecordingTransport recorder;
    recorder.fail_sends(make_error("no route", 503));
    const auto status = recorder.send(*Endpoint::parse("tcp:[::1]:5060"), "x", {});
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().reason, "no route");
    EXPECT_TRUE(recorder.sent().empty());

    recorder.fail_sends(std::nullopt);
    EXPECT_TRUE(recorder.send(*Endpoint::parse("tcp:[::1]:5060"), "x", {}).ok());
    EXPECT_EQ(recorder.sent().size(), 1u);
}

TEST(SendOptions, ReplyToUsesTheRequestsConnectionAndSocket) {
    const ReceivedMessage request{"OPTIONS ...", *Endpoint::parse("tcp:192.0.2.1:40000"),
                                  *Endpoint::parse("tcp:192.0.2.2:5060"), ConnectionId{2, 9}};
    const SendOptions options = SendOptions::reply_to(request);
    EXPECT_EQ(options.connection, (ConnectionId{2, 9}));
    EXPECT_EQ(options.local, request.local);
    EXPECT_EQ(options.tag, 0u);
}

}  // namespace
}  // namespace tandem::transport
