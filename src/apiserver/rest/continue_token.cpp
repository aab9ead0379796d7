#include "apiserver/rest/continue_token.h"

#include "api/codec/json_decoder.h"
#include "api/json.h"
#include "common/base64.h"

namespace kthena::apiserver {

std::string encode_continue(const ContinuePoint& point) {
  Json token = {{"v", 1}, {"rv", point.rv}, {"ns", point.ns}, {"name", point.name}};
  return base64_encode(token.dump());
}

Result<ContinuePoint> decode_continue(const std::string& token) {
  auto invalid = [](const std::string& why) {
    return fail(ErrorCode::kBadRequest, "continue key is not valid: " + why);
  };
  auto text = base64_decode(token);
  if (!text) return invalid(text.error().message);
  auto json = api::decode_json(*text, "continue");
  if (!json || !json->is_object()) return invalid("not a continue token of this server");
  const Json& j = *json;
  if (!j.contains("v") || j["v"] != 1 || !j.contains("rv") || !j["rv"].is_number_integer() || !j.contains("ns") ||
      !j["ns"].is_string() || !j.contains("name") || !j["name"].is_string()) {
    return invalid("not a continue token of this server");
  }
  return ContinuePoint{j["rv"].get<int64_t>(), j["ns"].get<std::string>(), j["name"].get<std::string>()};
}

}  // namespace kthena::apiserver
