// The OpenAPI v3 documents the server hands out (kubectl-protocol.md §3): one per group-version, generated from
// the same schemas as the CRDs, each addressed by a content hash so that kubectl can cache it for good.
#pragma once

#include <map>
#include <string>

#include "api/json.h"

namespace kthena::apiserver {

class OpenApiDocuments {
 public:
  OpenApiDocuments() = default;
  // `documents`: "api/v1" or "apis/<group>/<version>" -> the document.
  explicit OpenApiDocuments(const std::map<std::string, Json>& documents);

  // GET /openapi/v3: {"paths": {"<gv>": {"serverRelativeURL": "/openapi/v3/<gv>?hash=<hash>"}}}.
  const std::string& index() const { return index_; }
  struct Document {
    std::string body;
    std::string hash;
  };
  // By "api/v1" or "apis/<group>/<version>", or null.
  const Document* find(const std::string& group_version_path) const;

 private:
  std::map<std::string, Document> documents_;
  std::string index_ = "{\"paths\":{}}";
};

}  // namespace kthena::apiserver
