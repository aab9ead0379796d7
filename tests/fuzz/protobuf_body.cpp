// libFuzzer: the protobuf request bodies the API server decodes for kubectl's generator subcommands
// (src/apiserver/rest/protobuf_body.h). Properties: never a crash; a refusal is a 400 whose message starts with
// "protobuf body:"; whatever decodes is a JSON object with string apiVersion and kind that serialises (valid UTF-8)
// and parses back to itself.
#include <cstdint>
#include <string_view>

#include "apiserver/rest/protobuf_body.h"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(bytes), size);
  auto decoded = kthena::apiserver::decode_protobuf_body(body);
  if (!decoded) {
    check(decoded.error().code == kthena::ErrorCode::kBadRequest);
    check(decoded.error().message.starts_with("protobuf body:"));
    return 0;
  }
  check(decoded->is_object());
  check((*decoded)["apiVersion"].is_string() && (*decoded)["kind"].is_string());
  std::string text = decoded->dump();
  check(kthena::Json::parse(text) == *decoded);
  return 0;
}
