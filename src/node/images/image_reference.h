// Image references in one spelling, so that `nginx`, `nginx:latest`, `docker.io/library/nginx` and
// `index.docker.io/library/nginx:latest` name the same image, as the container runtimes treat them.
#pragma once

#include <string>
#include <string_view>

namespace kthena::node {

struct ImageReference {
  std::string repository;  // "docker.io/library/nginx", "ghcr.io/volcano-sh/runtime"
  std::string tag;         // "" when the reference has none (a runtime pulls "latest")
  std::string digest;      // "sha256:..." or ""

  // Never fails: a malformed reference is normalised as far as it goes and simply matches nothing useful.
  static ImageReference parse(std::string_view reference);

  // "docker.io/library/nginx:latest", "ghcr.io/x/y@sha256:..." (a digest wins over a tag, as when pulling).
  std::string normalized() const;
  // The repository's last path component without the registry ("nginx", "vllm-openai").
  std::string name() const;
};

// Whether a catalogue pattern names the image. `nginx` matches every tag and digest of docker.io/library/nginx,
// `nginx:1.28` only that tag, `x@sha256:...` only that digest; a pattern ending in `*` is a prefix of the
// normalised reference (`vllm/vllm-openai*` matches `vllm/vllm-openai-cpu:latest`), and `*` alone matches all.
bool image_matches(std::string_view pattern, std::string_view image);

}  // namespace kthena::node
