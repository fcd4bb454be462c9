// The MI commands call_transfer, call_hold and call_unhold: parameters,
// errors and results, run against one worker's CallOps.
#include <gtest/gtest.h>

#include "callops/mi_commands.h"
#include "callops_test_support.h"

namespace tandem::callops::testing {
namespace {

class MiTest : public CallOpsTest {
  protected:
    void SetUp() override {
        MiServices services;
        services.shard_count = 1;
        services.run_on = [this](
                              std::size_t shard,
                              std::function<Result<mi::Json>(CallOps&)> work) -> Result<mi::Json> {
            EXPECT_EQ(shard, 0u);
            return work(*callops);
        };
        ASSERT_TRUE(add_mi_commands(registry_, std::move(services)).ok());
    }

    Result<mi::Json> call(std::string_view method, const mi::Json& params) {
        return registry_.call(method, params);
    }

    mi::Registry registry_;
};

TEST_F(MiTest, BlindTransfer) {
    establish();
    auto result = call("call_transfer", {{"callid", "call-1@127.0.0.1"},
                                         {"leg", "caller"},
                                         {"destination", "sip:carol@127.0.0.1:5072"}});
    ASSERT_TRUE(result.ok()) << result.error().reason;
    EXPECT_EQ(*result, "Accepted");
    EXPECT_EQ(parse(take_one().bytes).method(), sip::Method::Refer);
    // Positional, while the first runs.
    result = call("call_transfer", mi::Json::array({"call-1@127.0.0.1", "callee", "sip:c@h"}));
    EXPECT_EQ(result.error().status, 491);
    EXPECT_EQ(result.error().reason, "Transfer already in progress");
}

TEST_F(MiTest, TransferErrors) {
    establish();
    auto result = call("call_transfer", {{"callid", "call-1@127.0.0.1"}, {"leg", "caller"}});
    EXPECT_EQ(result.error().status, mi::kInvalidParams);
    EXPECT_NE(result.error().reason.find("missing parameter destination"), std::string::npos);
    result = call("call_transfer",
                  {{"callid", "call-1@127.0.0.1"}, {"leg", "both"}, {"destination", "sip:c@h"}});
    EXPECT_EQ(result.error().status, mi::kInvalidParams);
    result = call("call_transfer", {{"leg", "caller"}, {"destination", "sip:c@h"}});
    EXPECT_EQ(result.error().status, mi::kInvalidParams);
    result =
        call("call_transfer", {{"callid", "nope"}, {"leg", "caller"}, {"destination", "sip:c@h"}});
    EXPECT_EQ(result.error().status, 404);
    EXPECT_EQ(result.error().reason, "Dialog not found");
    // Attended, B unknown.
    result = call("call_transfer", {{"callid", "call-1@127.0.0.1"},
                                    {"leg", "caller"},
                                    {"transfer_callid", "nope"},
                                    {"transfer_leg", "callee"}});
    EXPECT_EQ(result.error().status, 404);
    // Attended by tags: a destination is needed.
    result = call("call_transfer", {{"callid", "call-1@127.0.0.1"},
                                    {"leg", "caller"},
                                    {"transfer_callid", "b"},
                                    {"transfer_fromtag", "f"},
                                    {"transfer_totag", "t"}});
    EXPECT_EQ(result.error().status, mi::kInvalidParams);
    result = call("call_transfer",
                  {{"callid", "call-1@127.0.0.1"}, {"leg", "caller"}, {"transfer_callid", "b"}});
    EXPECT_EQ(result.error().status, mi::kInvalidParams);
    EXPECT_TRUE(take().empty());
}

TEST_F(MiTest, AttendedTransferByTags) {
    establish();
    auto result = call("call_transfer", {{"callid", "call-1@127.0.0.1"},
                                         {"leg", "caller"},
                                         {"transfer_callid", "b@x"},
                                         {"transfer_fromtag", "f"},
                                         {"transfer_totag", "t"},
                                         {"destination", "sip:carol@h"}});
    ASSERT_TRUE(result.ok()) << result.error().reason;
    EXPECT_EQ(parse(take_one().bytes).header(sip::HeaderId::ReferTo),
              "<sip:carol@h?Replaces=b%40x%3Bto-tag%3Dt%3Bfrom-tag%3Df>");
}

TEST_F(MiTest, HoldAndUnhold) {
    establish();
    auto result = call("call_unhold", {{"callid", "call-1@127.0.0.1"}});
    EXPECT_EQ(result.error().status, 480);
    EXPECT_EQ(result.error().reason, "Call not on hold");
    result = call("call_hold", {{"callid", "call-1@127.0.0.1"}, {"leg", "sideways"}});
    EXPECT_EQ(result.error().status, mi::kInvalidParams);
    result = call("call_hold", {{"callid", "nope"}});
    EXPECT_EQ(result.error().status, 404);
    result = call("call_hold", mi::Json::array({"call-1@127.0.0.1", "both", "X-Why: test"}));
    ASSERT_TRUE(result.ok()) << result.error().reason;
    EXPECT_EQ(*result, "OK");
    const sip::Message reinvite = parse(take_one().bytes);
    EXPECT_EQ(reinvite.header("X-Why"), "test");
    result = call("call_hold", {{"callid", "call-1@127.0.0.1"}});
    EXPECT_EQ(result.error().status, 480);
    EXPECT_EQ(result.error().reason, "Call already on hold");
}

TEST_F(MiTest, HoldHeadersPerLeg) {
    establish();
    auto result = call("call_hold", {{"callid", "call-1@127.0.0.1"},
                                     {"headers", mi::Json::array({"a: 1", "b: 2", "c: 3"})}});
    EXPECT_EQ(result.error().status, mi::kInvalidParams);
    EXPECT_TRUE(take().empty());
    result = call("call_hold", {{"callid", "call-1@127.0.0.1"},
                                {"leg", "caller"},
                                {"headers", mi::Json::array({"X-Leg: caller", "X-Leg: callee"})}});
    ASSERT_TRUE(result.ok()) << result.error().reason;
    const sip::Message to_caller = parse(take_one().bytes);
    EXPECT_EQ(to_caller.header("X-Leg"), "caller");
}

TEST_F(MiTest, LegNamesAreCaseInsensitive) {
    // As in OpenSIPS: "Caller", "CALLEE", "Both" are the legs they spell.
    establish();
    auto result = call("call_transfer", {{"callid", "call-1@127.0.0.1"},
                                         {"leg", "Callee"},
                                         {"destination", "sip:carol@127.0.0.1:5072"}});
    ASSERT_TRUE(result.ok()) << result.error().reason;
    const auto refer = take_one();
    EXPECT_EQ(refer.destination, kCallee);
    EXPECT_EQ(parse(refer.bytes).method(), sip::Method::Refer);
    result = call("call_transfer",
                  {{"callid", "call-1@127.0.0.1"}, {"leg", "BOTH"}, {"destination", "sip:c@h"}});
    EXPECT_EQ(result.error().status, mi::kInvalidParams);
    EXPECT_NE(result.error().reason.find("one leg is transferred at a time"), std::string::npos);
    result = call("call_hold", {{"callid", "call-1@127.0.0.1"}, {"leg", "CALLER"}});
    ASSERT_TRUE(result.ok()) << result.error().reason;
    EXPECT_EQ(take_one().destination, kCaller);
}

}  // namespace
}  // namespace tandem::callops::testing
