#include "mi/registry.h"

#include <gtest/gtest.h>

namespace tandem::mi {
namespace {

// A registry with one command that echoes its checked parameters.
Registry echo_registry() {
    Registry registry;
    Status added = registry.add({"echo",
                                 "echoes",
                                 {{"name", ParamKind::String, true},
                                  {"count", ParamKind::Integer},
                                  {"tags", ParamKind::StringList}},
                                 [](const Params& params) -> Result<Json> {
                                     Json result = {{"name", *params.string("name")}};
                                     if (auto count = params.integer("count"))
                                         result["count"] = *count;
                                     if (params.has("tags"))
                                         result["tags"] = params.strings("tags");
                                     return result;
                                 }});
    EXPECT_TRUE(added.ok());
    EXPECT_TRUE(
        registry
            .add({"fail",
                  "fails",
                  {},
                  [](const Params&) -> Result<Json> { return make_error("no such dialog", 404); }})
            .ok());
    EXPECT_TRUE(registry
                    .add({"throw",
                          "throws",
                          {},
                          [](const Params&) -> Result<Json> {
                              return Json(Json(5).get<std::string>());  // type_error
                          }})
                    .ok());
    return registry;
}

Json answer(const Registry& registry, std::string_view body) {
    return Json::parse(registry.handle(body));
}

TEST(Registry, NamedParameters) {
    const Registry registry = echo_registry();
    const Json response = answer(
        registry,
        R"({"jsonrpc":"2.0","method":"echo","params":{"name":"a","count":3,"tags":"x"},"id":7})");
    EXPECT_EQ(response["id"], 7);
    EXPECT_EQ(response["jsonrpc"], "2.0");
    EXPECT_EQ(response["result"]["name"], "a");
    EXPECT_EQ(response["result"]["count"], 3);
    EXPECT_EQ(response["result"]["tags"], Json::array({"x"}));
}

TEST(Registry, PositionalParametersInDeclaredOrder) {
    const Registry registry = echo_registry();
    const Json response =
        answer(registry, R"({"jsonrpc":"2.0","method":"echo","params":["b","12"],"id":"q"})");
    EXPECT_EQ(response["id"], "q");
    EXPECT_EQ(response["result"]["name"], "b");
    EXPECT_EQ(response["result"]["count"], 12);  // digits as text count as an integer
}

TEST(Registry, IntegerForStringBecomesText) {
    const Registry registry = echo_registry();
    const Json response =
        answer(registry, R"({"jsonrpc":"2.0","method":"echo","params":[42],"id":1})");
    EXPECT_EQ(response["result"]["name"], "42");
}

TEST(Registry, ParseError) {
    const Json response = answer(echo_registry(), "{not json");
    EXPECT_EQ(response["error"]["code"], kParseError);
    EXPECT_TRUE(response["id"].is_null());
}

TEST(Registry, InvalidRequests) {
    const Registry registry = echo_registry();
    EXPECT_EQ(answer(registry, "[1,2]")["error"]["code"], kInvalidRequest);
    EXPECT_EQ(answer(registry, R"({"method":"echo","id":1})")["error"]["code"], kInvalidRequest);
    EXPECT_EQ(answer(registry, R"({"jsonrpc":"2.0","method":5,"id":1})")["error"]["code"],
              kInvalidRequest);
    EXPECT_EQ(answer(registry, R"({"jsonrpc":"2.0","method":"echo","id":{}})")["error"]["code"],
              kInvalidRequest);
    EXPECT_EQ(answer(registry,
                     R"({"jsonrpc":"2.0","method":"echo","params":"a","id":1})")["error"]["code"],
              kInvalidParams);
}

TEST(Registry, UnknownMethodNamesIt) {
    const Json response = answer(echo_registry(), R"({"jsonrpc":"2.0","method":"nope","id":1})");
    EXPECT_EQ(response["error"]["code"], kMethodNotFound);
    EXPECT_EQ(response["error"]["message"], "unknown command `nope`");
}

TEST(Registry, MissingParameterNamesIt) {
    const Json response =
        answer(echo_registry(), R"({"jsonrpc":"2.0","method":"echo","params":{},"id":1})");
    EXPECT_EQ(response["error"]["code"], kInvalidParams);
    EXPECT_EQ(response["error"]["message"], "missing parameter `name`");
}

TEST(Registry, WrongTypeNamesParameterAndValue) {
    const Json response =
        answer(echo_registry(),
               R"({"jsonrpc":"2.0","method":"echo","params":{"name":"a","count":"x1"},"id":1})");
    EXPECT_EQ(response["error"]["code"], kInvalidParams);
    EXPECT_EQ(response["error"]["message"], "parameter `count` must be an integer, got \"x1\"");
    const Json list =
        answer(echo_registry(),
               R"({"jsonrpc":"2.0","method":"echo","params":{"name":"a","tags":[1]},"id":1})");
    EXPECT_EQ(list["error"]["code"], kInvalidParams);
}

TEST(Registry, UnknownAndSurplusParameters) {
    const Registry registry = echo_registry();
    EXPECT_EQ(
        answer(
            registry,
            R"({"jsonrpc":"2.0","method":"echo","params":{"name":"a","x":1},"id":1})")["error"]
                                                                                      ["message"],
        "unknown parameter `x` for echo");
    EXPECT_EQ(
        answer(
            registry,
            R"({"jsonrpc":"2.0","method":"echo","params":["a",1,"t",4],"id":1})")["error"]["code"],
        kInvalidParams);
}

TEST(Registry, CommandErrorKeepsItsCode) {
    const Json response = answer(echo_registry(), R"({"jsonrpc":"2.0","method":"fail","id":1})");
    EXPECT_EQ(response["error"]["code"], 404);
    EXPECT_EQ(response["error"]["message"], "no such dialog");
}

TEST(Registry, HandlerExceptionIsAnInternalError) {
    const Json response = answer(echo_registry(), R"({"jsonrpc":"2.0","method":"throw","id":1})");
    EXPECT_EQ(response["error"]["code"], kInternalError);
}

TEST(Registry, DeeplyNestedRequestIsRefusedNotRecursedInto) {
    // 200000 levels: copying or writing that value would overflow the stack.
    const std::string deep = std::string(200000, '[') + std::string(200000, ']');
    const Json response =
        answer(echo_registry(),
               R"({"jsonrpc":"2.0","method":"echo","params":{"name":)" + deep + "},\"id\":1}");
    EXPECT_EQ(response["error"]["code"], kInvalidRequest);
    EXPECT_EQ(response["id"], nullptr);
    // Brackets inside strings do not count, and shallow nesting is fine.
    const Json quoted =
        answer(echo_registry(), R"({"jsonrpc":"2.0","method":"echo","params":{"name":")" +
                                    std::string(100, '[') + R"(\""},"id":2})");
    EXPECT_EQ(quoted["result"]["name"], std::string(100, '[') + "\"");
}

TEST(Registry, NotificationGetsNoAnswer) {
    EXPECT_EQ(echo_registry().handle(R"({"jsonrpc":"2.0","method":"echo","params":["a"]})"), "");
}

TEST(Registry, RefusesDuplicatesAndMissingHandlers) {
    Registry registry = echo_registry();
    EXPECT_FALSE(
        registry.add({"echo", "", {}, [](const Params&) -> Result<Json> { return Json(); }}).ok());
    EXPECT_FALSE(registry.add({"other", "", {}, nullptr}).ok());
    EXPECT_FALSE(
        registry
            .add({"dup", "", {{"a"}, {"a"}}, [](const Params&) -> Result<Json> { return Json(); }})
            .ok());
    ASSERT_EQ(registry.commands().size(), 3u);
    EXPECT_EQ(registry.commands().front()->name, "echo");
}

}  // namespace
}  // namespace tandem::mi
