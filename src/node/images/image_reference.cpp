#include "node/images/image_reference.h"

namespace kthena::node {
namespace {

// The registry is the first component when it looks like a host (a dot, a port, or localhost), as Docker
// decides; otherwise the image lives on Docker Hub, whose single-name images are under library/.
std::string normalize_repository(std::string_view path) {
  std::string repo(path);
  size_t slash = repo.find('/');
  std::string first = slash == std::string::npos ? "" : repo.substr(0, slash);
  bool has_registry = slash != std::string::npos && (first.find('.') != std::string::npos ||
                                                     first.find(':') != std::string::npos || first == "localhost");
  if (!has_registry) {
    if (slash == std::string::npos) repo = "library/" + repo;
    return "docker.io/" + repo;
  }
  if (slash + 1 == repo.size()) return repo;  // a bare registry prefix ("docker.io/*")
  if (first == "index.docker.io" || first == "registry-1.docker.io") {
    repo = repo.substr(slash + 1);
    if (repo.find('/') == std::string::npos) repo = "library/" + repo;
    return "docker.io/" + repo;
  }
  if (first == "docker.io" && repo.find('/', slash + 1) == std::string::npos) {
    return "docker.io/library/" + repo.substr(slash + 1);
  }
  return repo;
}

}  // namespace

ImageReference ImageReference::parse(std::string_view reference) {
  ImageReference out;
  std::string_view rest = reference;
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    out.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
  }
  // A tag's colon comes after the last slash; a colon before it belongs to a registry port.
  size_t last_slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && (last_slash == std::string_view::npos || colon > last_slash)) {
    out.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
  }
  out.repository = normalize_repository(rest);
  return out;
}

std::string ImageReference::normalized() const {
  if (!digest.empty()) return repository + "@" + digest;
  return repository + ":" + (tag.empty() ? "latest" : tag);
}

std::string ImageReference::name() const {
  size_t slash = repository.rfind('/');
  return slash == std::string::npos ? repository : repository.substr(slash + 1);
}

bool image_matches(std::string_view pattern, std::string_view image) {
  const ImageReference img = ImageReference::parse(image);
  if (pattern.ends_with('*')) {
    std::string_view prefix = pattern.substr(0, pattern.size() - 1);
    if (prefix.empty()) return true;
    // The prefix is normalised as a reference would be, except that a partial name gets no default tag:
    // `nginx*` -> `docker.io/library/nginx`, `python:3*` -> `docker.io/library/python:3`.
    ImageReference p = ImageReference::parse(prefix);
    std::string normalized_prefix = p.repository;
    if (!p.tag.empty() || prefix.ends_with(':')) normalized_prefix += ":" + p.tag;
    if (!p.digest.empty() || prefix.ends_with('@')) normalized_prefix += "@" + p.digest;
    std::string full = img.repository + ":" + (img.tag.empty() ? "latest" : img.tag);
    if (!img.digest.empty()) full += "@" + img.digest;
    return full.starts_with(normalized_prefix) || img.normalized().starts_with(normalized_prefix);
  }
  const ImageReference p = ImageReference::parse(pattern);
  if (p.repository != img.repository) return false;
  if (!p.digest.empty()) return p.digest == img.digest;
  if (!p.tag.empty()) return (img.tag.empty() ? "latest" : img.tag) == p.tag;
  return true;
}

}  // namespace kthena::node
