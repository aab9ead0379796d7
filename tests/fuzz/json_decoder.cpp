// libFuzzer: JSON decoding never crashes; errors always name a position.
#include <cstdint>
#include <string_view>

#include "api/codec/json_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto value = kthena::api::decode_json(text, "fuzz");
  if (!value && (value.error().field.empty() || value.error().message.empty())) __builtin_trap();
  if (value) (void)value->dump();
  return 0;
}
