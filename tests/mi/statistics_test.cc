#include "mi/statistics.h"

#include <gtest/gtest.h>

namespace tandem::mi {
namespace {

const Statistics kSample = {
    {"tm", "requests_received", 5},
    {"tm", "server_transactions", 2, true},
    {"dialog", "active_dialogs", 1, true},
};

TEST(Statistics, SelectAllGroupAndName) {
    auto all = select_statistics(kSample, {"all"});
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all->size(), 3u);
    auto group = select_statistics(kSample, {"tm:"});
    ASSERT_TRUE(group.ok());
    EXPECT_EQ(*group, (Json{{"tm:requests_received", 5}, {"tm:server_transactions", 2}}));
    auto by_name = select_statistics(kSample, {"active_dialogs"});
    ASSERT_TRUE(by_name.ok());
    EXPECT_EQ(*by_name, (Json{{"dialog:active_dialogs", 1}}));
    auto full = select_statistics(kSample, {"tm:requests_received"});
    ASSERT_TRUE(full.ok());
    EXPECT_EQ(full->size(), 1u);
}

TEST(Statistics, UnknownSelectorFails) {
    auto missing = select_statistics(kSample, {"tm:", "nothing:"});
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().status, 404);
    EXPECT_EQ(missing.error().reason, "no statistic matches `nothing:`");
}

TEST(Statistics, PrometheusText) {
    EXPECT_EQ(prometheus_text(kSample),
              "# TYPE tandem_tm_requests_received counter\n"
              "tandem_tm_requests_received 5\n"
              "# TYPE tandem_tm_server_transactions gauge\n"
              "tandem_tm_server_transactions 2\n"
              "# TYPE tandem_dialog_active_dialogs gauge\n"
              "tandem_dialog_active_dialogs 1\n");
}

}  // namespace
}  // namespace tandem::mi
