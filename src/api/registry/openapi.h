// OpenAPI v3 documents in the shape kubectl 1.32 reads (spec kubectl-protocol.md §3): one document per
// group-version with components/schemas (each kind's schema tagged with x-kubernetes-group-version-kind) and
// paths whose `patch` operations carry the GVK and an operation-level `fieldValidation` parameter (so that kubectl
// leaves strict validation to the server), plus the root index whose URLs carry a content hash (so that kubectl
// can cache each document as immutable). Built once from the registry; serving is a lookup.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/json.h"
#include "api/registry/kind_registry.h"

namespace kthena::api {

struct OpenApiDocument {
  std::string path;  // "api/v1", "apis/workload.serving.volcano.sh/v1alpha1" (no leading slash)
  std::string hash;  // hex, changes whenever the document does
  Json document;
  std::string json;  // document, serialised once
};

class OpenApi {
 public:
  static OpenApi build(const KindRegistry& registry);
  // Built from KindRegistry::builtin() on first use (thread-safe), immutable afterwards.
  static const OpenApi& builtin();

  // GET /openapi/v3: {"paths": {"<path>": {"serverRelativeURL": "/openapi/v3/<path>?hash=<hash>"}}}.
  const std::string& index_json() const { return index_json_; }
  // GET /openapi/v3/<path>; null when there is no such group-version.
  const OpenApiDocument* find(std::string_view path) const;
  const std::vector<OpenApiDocument>& documents() const { return documents_; }

 private:
  std::vector<OpenApiDocument> documents_;
  std::string index_json_;
};

}  // namespace kthena::api
