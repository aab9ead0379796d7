#include "apiserver/rest/openapi_documents.h"

#include <openssl/evp.h>

#include <fmt/format.h>

namespace kthena::apiserver {
namespace {

// SHA-512 in upper-case hex, as the real server's hashes look.
std::string content_hash(const std::string& body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(body.data(), body.size(), digest, &size, EVP_sha512(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < size; ++i) out += fmt::format("{:02X}", digest[i]);
  return out;
}

}  // namespace

OpenApiDocuments::OpenApiDocuments(const std::map<std::string, Json>& documents) {
  Json paths = Json::object();
  for (const auto& [path, document] : documents) {
    Document d{document.dump(), ""};
    d.hash = content_hash(d.body);
    paths[path] = {{"serverRelativeURL", "/openapi/v3/" + path + "?hash=" + d.hash}};
    documents_.emplace(path, std::move(d));
  }
  index_ = Json{{"paths", paths}}.dump();
}

const OpenApiDocuments::Document* OpenApiDocuments::find(const std::string& path) const {
  auto it = documents_.find(path);
  return it == documents_.end() ? nullptr : &it->second;
}

}  // namespace kthena::apiserver
