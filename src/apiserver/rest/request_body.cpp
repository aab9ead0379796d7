#include "apiserver/rest/request_body.h"

#include <cctype>

#include "api/codec/json_decoder.h"
#include "api/codec/yaml_decoder.h"
#include "apiserver/rest/protobuf_body.h"

namespace kthena::apiserver {
namespace {

ApiStatus undecodable(const Error& error) {
  return bad_request("the body of the request could not be decoded: " + error.to_string());
}

}  // namespace

std::string media_type(std::string_view content_type) {
  std::string out(content_type.substr(0, content_type.find(';')));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

ApiResult<Json> decode_object_body(std::string_view content_type, std::string_view body) {
  std::string type = media_type(content_type);
  if (body.empty()) return fail(bad_request("the body of the request is empty"));
  // No Content-Type reads as JSON, as kube-apiserver's first supported type: kubectl's scale client sends its PUT
  // without one. (A web page could send one too: api_handler.cpp refuses browsers' requests on the token-less server.)
  if (type.empty() || type == "application/json") {
    auto decoded = api::decode_json(body, "body");
    if (!decoded) return fail(undecodable(decoded.error()));
    return *decoded;
  }
  if (type == "application/yaml" || type == "application/x-yaml" || type == "text/yaml") {
    auto decoded = api::decode_document(body, "body");
    if (!decoded) return fail(undecodable(decoded.error()));
    return *decoded;
  }
  if (type == kProtobufContentType) {
    auto decoded = decode_protobuf_body(body);
    if (!decoded) return fail(bad_request(decoded.error().message));
    return *decoded;
  }
  return fail(
      unsupported_media_type("the body of the request was in an unknown format - accepted media types "
                             "include: application/json, application/yaml, "
                             "application/vnd.kubernetes.protobuf"));
}

ApiResult<PatchType> patch_type_of(std::string_view content_type) {
  std::string type = media_type(content_type);
  if (type == "application/merge-patch+json") return PatchType::kMerge;
  if (type == "application/json-patch+json") return PatchType::kJson;
  if (type == "application/strategic-merge-patch+json") return PatchType::kStrategicMerge;
  if (type == "application/apply-patch+yaml") return PatchType::kApply;
  return fail(
      unsupported_media_type("the body of the request was in an unknown format - accepted media types include: "
                             "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, "
                             "application/strategic-merge-patch+json"));
}

ApiResult<Json> decode_patch_body(PatchType type, std::string_view body) {
  if (type == PatchType::kApply) {
    auto decoded = api::decode_document(body, "body");
    if (!decoded) return fail(undecodable(decoded.error()));
    if (!decoded->is_object()) return fail(bad_request("an apply patch must be an object"));
    return *decoded;
  }
  auto decoded = api::decode_json(body, "body");
  if (!decoded) return fail(undecodable(decoded.error()));
  return *decoded;
}

}  // namespace kthena::apiserver
