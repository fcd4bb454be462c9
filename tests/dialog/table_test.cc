// The per-shard dialog table, direction matching, variables and the packed
// text storage.
#include <gtest/gtest.h>

#include <set>

#include "call_messages.h"
#include "dialog/dialog_table.h"
#include "dialog/packed_texts.h"
#include "dialog/variables.h"

namespace tandem::dialog {
namespace {

using namespace testing;

// ---- matching --------------------------------------------------------------------

TEST(Matching, TellsWhichLegSentARequest) {
    const Call call;
    const Dialog dialog = call.confirmed();
    EXPECT_EQ(dialog.sender_of(call.request(Side::Caller, "INFO", 200)), Side::Caller);
    EXPECT_EQ(dialog.sender_of(call.request(Side::Callee, "INFO", 5)), Side::Callee);
    EXPECT_EQ(dialog.sender(kCallId, kAliceTag, kBobTag), Side::Caller);
    EXPECT_EQ(dialog.sender(kCallId, kBobTag, kAliceTag), Side::Callee);
}

TEST(Matching, NoMatchWithoutAllThreeIdentifiers) {
    const Call call;
    const Dialog dialog = call.confirmed();
    EXPECT_FALSE(dialog.sender("other-call", kAliceTag, kBobTag).has_value());
    EXPECT_FALSE(dialog.sender(kCallId, kAliceTag, "wrong").has_value());
    EXPECT_FALSE(dialog.sender(kCallId, "wrong", kBobTag).has_value());
    EXPECT_FALSE(dialog.sender(kCallId, kAliceTag, "").has_value());  // no To tag
    EXPECT_FALSE(dialog.sender(kCallId, kAliceTag, kAliceTag).has_value());
    EXPECT_FALSE(dialog.sender_of(call.invite()).has_value());  // an initial request
}

// ---- table ------------------------------------------------------------------------

TEST(DialogTable, CreatesWithShardIdsAndFindsByIdAndCallId) {
    DialogTable table(3);
    Call first;
    Call second;
    second.call_id = "second-call@example.com";
    auto a = table.create(first.invite(), {kCallerAddress, 0}, kStart);
    auto b = table.create(second.invite(), {kCallerAddress, 0}, kStart);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_FALSE(a->spiral);
    EXPECT_EQ(table.size(), 2u);
    EXPECT_NE(a->dialog->id(), b->dialog->id());
    EXPECT_EQ(shard_of(a->dialog->id()), 3);
    EXPECT_EQ(shard_of(b->dialog->id()), 3);

    EXPECT_EQ(table.find(a->dialog->id()), a->dialog);
    EXPECT_EQ(table.find_by_call_id(second.call_id), b->dialog);
    EXPECT_EQ(table.find_by_call_id("nobody"), nullptr);
    EXPECT_EQ(table.find(DialogId{12345}), nullptr);
    EXPECT_EQ(table.find_initial(kCallId, kAliceTag), a->dialog);
    EXPECT_EQ(table.find_initial(kCallId, "other-tag"), nullptr);
}

TEST(DialogTable, FindsInDialogRequestsInBothDirections) {
    DialogTable table(0);
    const Call call;
    auto created = table.create(call.invite(), {kCallerAddress, 0}, kStart);
    ASSERT_TRUE(created.ok());
    Dialog* dialog = created->dialog;
    ASSERT_TRUE(dialog->on_reply(call.invite_reply(200, kBobTag, kBobAnswer), {}, kStart).ok());

    auto from_caller = table.find(call.request(Side::Caller, "BYE", 102));
    ASSERT_TRUE(from_caller.has_value());
    EXPECT_EQ(from_caller->dialog, dialog);
    EXPECT_EQ(from_caller->sender, Side::Caller);
    auto from_callee = table.find(kCallId, kBobTag, kAliceTag);
    ASSERT_TRUE(from_callee.has_value());
    EXPECT_EQ(from_callee->sender, Side::Callee);
    EXPECT_FALSE(table.find(kCallId, kBobTag, "unknown").has_value());
    // A confirmed dialog is no longer the target of an initial CANCEL.
    EXPECT_EQ(table.find_initial(kCallId, kAliceTag), nullptr);
}

TEST(DialogTable, ASpiralledInviteFindsItsDialog) {
    DialogTable table(0);
    const Call call;
    auto first = table.create(call.invite(), {kCallerAddress, 0}, kStart);
    auto again = table.create(call.invite(), {"udp:127.0.0.1:5060", 0}, kStart);
    ASSERT_TRUE(first.ok() && again.ok());
    EXPECT_TRUE(again->spiral);
    EXPECT_EQ(again->dialog, first->dialog);
    EXPECT_EQ(table.size(), 1u);
}

TEST(DialogTable, SameCallIdDifferentTagsAreDifferentDialogs) {
    DialogTable table(0);
    const Call call;
    auto first = table.create(call.invite(), {}, kStart);
    ASSERT_TRUE(first.ok());
    ASSERT_TRUE(first->dialog->on_reply(call.invite_reply(200, kBobTag), {}, kStart).ok());
    // A second INVITE with the same Call-ID and From tag after the first was
    // confirmed is a new call attempt, not a spiral.
    auto second = table.create(call.invite(), {}, kStart);
    ASSERT_TRUE(second.ok());
    EXPECT_FALSE(second->spiral);
    EXPECT_EQ(table.size(), 2u);
    // find_by_call_id gives the oldest; matching by tags finds the right one.
    EXPECT_EQ(table.find_by_call_id(kCallId), first->dialog);
    EXPECT_EQ(table.find(kCallId, kAliceTag, kBobTag)->dialog, first->dialog);
}

TEST(DialogTable, EraseAndIterate) {
    DialogTable table(1);
    std::vector<DialogId> ids;
    for (int i = 0; i < 5; ++i) {
        Call call;
        call.call_id = "call-" + std::to_string(i);
        auto created = table.create(call.invite(), {}, kStart);
        ASSERT_TRUE(created.ok());
        ids.push_back(created->dialog->id());
    }
    EXPECT_TRUE(table.erase(ids[2]));
    EXPECT_FALSE(table.erase(ids[2]));
    EXPECT_EQ(table.size(), 4u);
    EXPECT_EQ(table.find(ids[2]), nullptr);
    EXPECT_EQ(table.find_by_call_id("call-2"), nullptr);
    EXPECT_NE(table.find_by_call_id("call-3"), nullptr);

    std::set<std::string> seen;
    table.for_each([&seen](const Dialog& dialog) { seen.emplace(dialog.call_id()); });
    EXPECT_EQ(seen, (std::set<std::string>{"call-0", "call-1", "call-3", "call-4"}));
    // Pointers stay valid across other inserts and erases.
    Dialog* kept = table.find(ids[4]);
    for (int i = 10; i < 200; ++i) {
        Call call;
        call.call_id = "filler-" + std::to_string(i);
        ASSERT_TRUE(table.create(call.invite(), {}, kStart).ok());
    }
    EXPECT_EQ(table.find(ids[4]), kept);
    EXPECT_EQ(kept->call_id(), "call-4");
}

TEST(DialogTable, DefaultsApplyToCreatedDialogs) {
    DialogOptions defaults;
    defaults.max_duration = std::chrono::seconds(90);
    DialogTable table(0, defaults);
    const Call call;
    auto created = table.create(call.invite(), {}, kStart);
    ASSERT_TRUE(created.ok());
    EXPECT_EQ(created->dialog->max_duration(), std::chrono::seconds(90));
}

TEST(DialogTable, ReportsCreationErrors) {
    DialogTable table(0);
    auto bad = parse_message(
        "INVITE sip:bob@example.net SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
        "From: <sip:alice@example.com>\r\nTo: <sip:bob@example.net>\r\nCall-ID: x\r\n"
        "CSeq: 1 INVITE\r\nContact: <sip:alice@h>\r\nContent-Length: 0\r\n\r\n");
    EXPECT_FALSE(table.create(bad, {}, kStart).ok());
    EXPECT_TRUE(table.empty());
}

// ---- variables ---------------------------------------------------------------------

TEST(DialogVariables, SetGetReplaceErase) {
    const Call call;
    Dialog dialog = call.confirmed();
    Variables& variables = dialog.variables();
    EXPECT_TRUE(variables.empty());
    EXPECT_FALSE(variables.get("call_hold_caller").has_value());
    ASSERT_TRUE(variables.set("call_hold_caller", "1").ok());
    ASSERT_TRUE(variables.set("call_transfer_leg", "callee").ok());
    ASSERT_TRUE(variables.set("empty", "").ok());
    EXPECT_EQ(variables.get("call_hold_caller"), "1");
    EXPECT_EQ(variables.get("call_transfer_leg"), "callee");
    EXPECT_EQ(variables.get("empty"), "");
    EXPECT_FALSE(variables.get("Call_Hold_Caller").has_value());  // case-sensitive
    EXPECT_EQ(variables.size(), 3u);

    ASSERT_TRUE(variables.set("call_hold_caller", std::string(300, 'x')).ok());
    EXPECT_EQ(variables.get("call_hold_caller")->size(), 300u);
    EXPECT_EQ(variables.get("call_transfer_leg"), "callee");
    std::vector<std::string> order;
    variables.for_each(
        [&order](std::string_view name, std::string_view) { order.emplace_back(name); });
    EXPECT_EQ(order, (std::vector<std::string>{"call_hold_caller", "call_transfer_leg", "empty"}));

    EXPECT_TRUE(variables.erase("call_transfer_leg"));
    EXPECT_FALSE(variables.erase("call_transfer_leg"));
    EXPECT_FALSE(variables.get("call_transfer_leg").has_value());
    EXPECT_EQ(variables.size(), 2u);
}

TEST(DialogVariables, ValuesMayHoldAnyBytes) {
    Variables variables;
    const std::string binary("a\0b\xff", 4);
    ASSERT_TRUE(variables.set("bin", binary).ok());
    EXPECT_EQ(variables.get("bin"), binary);
}

TEST(DialogVariables, Limits) {
    Variables variables;
    EXPECT_FALSE(variables.set("", "x").ok());
    EXPECT_FALSE(variables.set(std::string(256, 'n'), "x").ok());
    EXPECT_TRUE(variables.set(std::string(255, 'n'), "x").ok());
    EXPECT_FALSE(variables.set("big", std::string(65536, 'v')).ok());
    EXPECT_TRUE(variables.set("big", std::string(65535, 'v')).ok());
    EXPECT_EQ(variables.get("big")->size(), 65535u);
    // Three values of 64 KB fit in the 256 KB a dialog may hold; a
    // fourth does not.
    for (int i = 0; i < 2; ++i) {
        ASSERT_TRUE(variables.set("big" + std::to_string(i), std::string(65535, 'v')).ok());
    }
    EXPECT_FALSE(variables.set("one_too_many", std::string(65535, 'v')).ok());
    EXPECT_FALSE(variables.get("one_too_many").has_value());
}

// ---- packed texts --------------------------------------------------------------------

TEST(PackedTexts, StoresEqualTextsOnceAndRebuildsExactly) {
    PackedTexts texts;
    std::array<TextRef, 4> refs{};
    const PackedTexts::Change changes[] = {{0, "alpha"}, {1, "beta"}, {2, "alpha"}, {3, ""}};
    ASSERT_TRUE(texts.assign(refs, changes).ok());
    EXPECT_EQ(texts.view(refs[0]), "alpha");
    EXPECT_EQ(texts.view(refs[1]), "beta");
    EXPECT_EQ(texts.view(refs[2]), "alpha");
    EXPECT_EQ(texts.view(refs[3]), "");
    EXPECT_EQ(texts.size(), 9u);

    // A change may come from the buffer itself (a field copied to another).
    const PackedTexts::Change copy[] = {{3, texts.view(refs[1])}, {0, "gamma"}};
    ASSERT_TRUE(texts.assign(refs, copy).ok());
    EXPECT_EQ(texts.view(refs[0]), "gamma");
    EXPECT_EQ(texts.view(refs[2]), "alpha");
    EXPECT_EQ(texts.view(refs[3]), "beta");
    EXPECT_EQ(texts.size(), 14u);  // gamma, beta, alpha

    // Emptying a field frees its bytes.
    const PackedTexts::Change clear[] = {{0, ""}, {2, ""}};
    ASSERT_TRUE(texts.assign(refs, clear).ok());
    EXPECT_EQ(texts.size(), 4u);
    EXPECT_EQ(texts.view(refs[1]), "beta");
}

TEST(PackedTexts, RefusesTooMuchTextAndKeepsWhatItHad) {
    PackedTexts texts;
    std::array<TextRef, 2> refs{};
    const PackedTexts::Change small[] = {{0, "keep"}};
    ASSERT_TRUE(texts.assign(refs, small).ok());
    const std::string huge(PackedTexts::kMaxBytes, 'x');
    const PackedTexts::Change too_much[] = {{1, huge}};
    auto status = texts.assign(refs, too_much);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(texts.view(refs[0]), "keep");
    EXPECT_EQ(texts.view(refs[1]), "");
    const PackedTexts::Change out_of_range[] = {{5, "x"}};
    EXPECT_FALSE(texts.assign(refs, out_of_range).ok());
}

}  // namespace
}  // namespace tandem::dialog
