#include <gtest/gtest.h>

#include "node/images/image_reference.h"

namespace kthena::node {
namespace {

TEST(ImageReference, NormalisesAsTheRuntimesDo) {
  for (const char* same : {"nginx", "nginx:latest", "docker.io/nginx", "docker.io/library/nginx:latest",
                           "index.docker.io/library/nginx", "registry-1.docker.io/nginx:latest"}) {
    EXPECT_EQ(ImageReference::parse(same).normalized(), "docker.io/library/nginx:latest") << same;
  }
  EXPECT_EQ(ImageReference::parse("vllm/vllm-openai:v0.13.0").normalized(), "docker.io/vllm/vllm-openai:v0.13.0");
  EXPECT_EQ(ImageReference::parse("localhost:5000/x/y:1").repository, "localhost:5000/x/y");
  EXPECT_EQ(ImageReference::parse("registry.local:5000/y").tag, "");
  auto digested = ImageReference::parse("ghcr.io/a/b:1@sha256:abc");
  EXPECT_EQ(digested.repository, "ghcr.io/a/b");
  EXPECT_EQ(digested.tag, "1");
  EXPECT_EQ(digested.digest, "sha256:abc");
  EXPECT_EQ(digested.normalized(), "ghcr.io/a/b@sha256:abc");
  EXPECT_EQ(digested.name(), "b");
}

TEST(ImageReference, Matching) {
  // A pattern without a tag matches every tag and digest; with one, only that.
  EXPECT_TRUE(image_matches("nginx", "docker.io/library/nginx:1.28"));
  EXPECT_TRUE(image_matches("nginx", "nginx@sha256:abc"));
  EXPECT_TRUE(image_matches("docker.io/library/nginx:1.28", "nginx:1.28"));
  EXPECT_TRUE(image_matches("nginx:latest", "nginx"));
  EXPECT_FALSE(image_matches("nginx:1.28", "nginx:1.27"));
  EXPECT_FALSE(image_matches("nginx", "nginxinc/nginx-unprivileged"));
  EXPECT_FALSE(image_matches("nginx", "ghcr.io/library/nginx"));
  EXPECT_TRUE(image_matches("x@sha256:abc", "x:1@sha256:abc"));
  EXPECT_FALSE(image_matches("x@sha256:abc", "x:1"));
  // Prefixes are normalised like references.
  EXPECT_TRUE(image_matches("vllm/vllm-openai*", "vllm/vllm-openai-cpu:latest"));
  EXPECT_TRUE(image_matches("vllm/*", "docker.io/vllm/vllm-openai:v0.13.0"));
  EXPECT_TRUE(image_matches("ghcr.io/volcano-sh/runtime*", "ghcr.io/volcano-sh/runtime:latest"));
  EXPECT_FALSE(image_matches("ghcr.io/volcano-sh/runtime*", "kthena/runtime:latest"));
  EXPECT_TRUE(image_matches("python:3*", "python:3.12-slim"));
  EXPECT_FALSE(image_matches("python:3*", "python:2.7"));
  EXPECT_TRUE(image_matches("python:3*", "docker.io/library/python:3"));
  EXPECT_TRUE(image_matches("docker.io/*", "redis"));
  EXPECT_TRUE(image_matches("*", "anything/at:all"));
}

}  // namespace
}  // namespace kthena::node
