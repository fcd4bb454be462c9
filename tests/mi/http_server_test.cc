#include "mi/http_server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

namespace tandem::mi {
namespace {

class HttpServerTest : public ::testing::Test {
  protected:
    void start(std::string token = {}) {
        ASSERT_TRUE(
            registry_
                .add({"ping", "", {}, [](const Params&) -> Result<Json> { return Json("pong"); }})
                .ok());
        HttpSettings settings;
        settings.port = 0;
        settings.auth_token = std::move(token);
        settings.max_body = 4096;
        auto server = HttpServer::start(
            settings, registry_, []() -> Result<std::string> { return std::string("m 1\n"); },
            std::make_shared<spdlog::logger>("http-test",
                                             std::make_shared<spdlog::sinks::null_sink_mt>()));
        ASSERT_TRUE(server.ok());
        server_ = std::move(*server);
        ASSERT_NE(server_->port(), 0);
    }
    httplib::Client client() { return httplib::Client("127.0.0.1", server_->port()); }

    Registry registry_;
    std::unique_ptr<HttpServer> server_;
};

constexpr const char* kPing = R"({"jsonrpc":"2.0","method":"ping","id":1})";

TEST_F(HttpServerTest, AnswersJsonRpc) {
    start();
    auto response = client().Post("/mi", kPing, "application/json");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(Json::parse(response->body)["result"], "pong");
}

TEST_F(HttpServerTest, Metrics) {
    start();
    auto response = client().Get("/metrics");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "m 1\n");
}

TEST_F(HttpServerTest, OversizedBodyGets413WithJsonError) {
    start();
    const std::string big(100 * 1024, 'x');
    auto response = client().Post("/mi", big, "application/json");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 413);
    EXPECT_EQ(Json::parse(response->body)["error"]["code"], kInvalidRequest);
    // The listener still works.
    auto after = client().Post("/mi", kPing, "application/json");
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, 200);
}

TEST_F(HttpServerTest, TokenRequired) {
    start("s3cret");
    auto without = client().Post("/mi", kPing, "application/json");
    ASSERT_TRUE(without);
    EXPECT_EQ(without->status, 401);
    auto metrics = client().Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metrics->status, 401);
    httplib::Client wrong = client();
    wrong.set_bearer_token_auth("nope");
    EXPECT_EQ(wrong.Post("/mi", kPing, "application/json")->status, 401);
    httplib::Client right = client();
    right.set_bearer_token_auth("s3cret");
    auto with = right.Post("/mi", kPing, "application/json");
    ASSERT_TRUE(with);
    EXPECT_EQ(with->status, 200);
}

TEST_F(HttpServerTest, BindFailureIsAnError) {
    start();
    HttpSettings taken;
    taken.port = server_->port();
    auto second = HttpServer::start(
        taken, registry_, []() -> Result<std::string> { return std::string(); },
        std::make_shared<spdlog::logger>("http-test2",
                                         std::make_shared<spdlog::sinks::null_sink_mt>()));
    EXPECT_FALSE(second.ok());
}

}  // namespace
}  // namespace tandem::mi
