#include "router/request/request_target.h"

#include <gtest/gtest.h>

namespace kthena::router {
namespace {

TEST(RequestTarget, NormalPathsPass) {
  for (const char* target : {"/v1/chat/completions", "/v1/completions?x=1&y=../z", "/v1/models", "/v1/embeddings/",
                             "/v1/a%20b", "/v1/models/org%3Amodel"}) {
    EXPECT_EQ(target_problem(target), std::nullopt) << target;
  }
}

TEST(RequestTarget, PathsTwoReadersCouldReadTwoWaysAreRefused) {
  struct Case {
    const char* target;
    const char* problem;
  } cases[] = {
      {"/v1/../metrics", "dot segment"},
      {"/v1/./chat/completions", "dot segment"},
      {"/v1/chat/..", "dot segment"},
      {"/v1/%2e%2e/metrics", "encoded dot"},
      {"/v1/%2E./metrics", "encoded dot"},
      {"/v1/chat%2Fcompletions", "encoded slash"},
      {"/v1/chat%5ccompletions", "encoded slash"},
      {"/v1//chat/completions", "empty segment"},
      {"/v1/chat\\completions", "backslash"},
      {"/v1/chat#frag", "fragment"},
      {"/v1/x%00y", "NUL"},
      {"http://evil/v1/chat/completions", "not a path"},
      {"*", "not a path"},
  };
  for (const Case& c : cases) {
    auto problem = target_problem(c.target);
    ASSERT_TRUE(problem) << c.target;
    EXPECT_NE(problem->find(c.problem), std::string::npos) << c.target << ": " << *problem;
  }
}

TEST(RequestTarget, MethodsPerEndpoint) {
  EXPECT_EQ(disallowed_method("POST", "/v1/chat/completions"), "");
  EXPECT_EQ(disallowed_method("GET", "/v1/chat/completions"), "POST");
  EXPECT_EQ(disallowed_method("DELETE", "/v1/completions"), "POST");
  EXPECT_EQ(disallowed_method("PROPFIND", "/v1/anything"), "POST");
  EXPECT_EQ(disallowed_method("GET", "/v1/models"), "");
  EXPECT_EQ(disallowed_method("HEAD", "/v1/models"), "");
  EXPECT_EQ(disallowed_method("POST", "/v1/models"), "GET, HEAD");
}

TEST(RequestTarget, PathLabelIsBounded) {
  EXPECT_EQ(path_label("/v1/chat/completions"), "/v1/chat/completions");
  EXPECT_EQ(path_label("/v1/responses"), "/v1/responses");
  EXPECT_EQ(path_label("/v1/random-1234"), "other");
  EXPECT_EQ(path_label("/v1/chat/completions/"), "other");
}

}  // namespace
}  // namespace kthena::router
