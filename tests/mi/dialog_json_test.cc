// dlg_list's view of a dialog.
#include <gtest/gtest.h>

#include "../dialog/call_messages.h"
#include "dialog/events.h"
#include "mi/core_commands.h"

namespace tandem::mi {
namespace {

using namespace std::chrono_literals;
namespace dt = dialog::testing;

TEST(DialogJson, ConfirmedCallWithBothLegsTimesAndVariables) {
    const dt::Call call;
    dialog::Dialog dialog = call.confirmed();
    ASSERT_TRUE(dialog.variables().set("account", "42").ok());
    // "Now" is 65 s after the INVITE; the wall clock then says 1'000'065.
    const auto steady_now = dt::kStart + 65s;
    const std::chrono::system_clock::time_point wall_now{1'000'065s};
    const Json shown = dialog_json(dialog, steady_now, wall_now);

    EXPECT_EQ(shown["ID"], dialog::dialog_id_text(dialog.id()));
    EXPECT_EQ(shown["state"], 4);
    EXPECT_EQ(shown["callid"], std::string(dt::kCallId));
    EXPECT_EQ(shown["created"], 1'000'000);
    EXPECT_EQ(shown["timestart"], 1'000'005);  // the 200 came 5 s after the INVITE
    EXPECT_TRUE(shown["ended"].is_null());
    EXPECT_EQ(shown["caller"]["tag"], std::string(dt::kAliceTag));
    EXPECT_EQ(shown["caller"]["contact"], std::string(dt::kAliceContact));
    EXPECT_EQ(shown["caller"]["destination"], std::string(dt::kCallerAddress));
    EXPECT_EQ(shown["callee"]["tag"], std::string(dt::kBobTag));
    EXPECT_EQ(shown["callee"]["contact"], std::string(dt::kBobContact));
    EXPECT_EQ(shown["values"], (Json{{"account", "42"}}));
    EXPECT_FALSE(shown.contains("end_reason"));
}

TEST(DialogJson, EndedDialogSaysWhy) {
    const dt::Call call;
    dialog::Dialog dialog = call.confirmed();
    ASSERT_TRUE(dialog.terminate(dt::kStart + 10s).ok());
    const Json shown =
        dialog_json(dialog, dt::kStart + 20s, std::chrono::system_clock::time_point{100s});
    EXPECT_EQ(shown["state"], 5);
    EXPECT_FALSE(shown["ended"].is_null());
    EXPECT_TRUE(shown.contains("end_reason"));
}

}  // namespace
}  // namespace tandem::mi
