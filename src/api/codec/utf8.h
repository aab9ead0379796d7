// UTF-8 checks shared by the decoders and the encoder.
#pragma once

#include <optional>
#include <string_view>

namespace kthena::api {

// The byte offset of the first byte that does not start a well-formed UTF-8 sequence, if any.
std::optional<size_t> find_invalid_utf8(std::string_view text);

}  // namespace kthena::api
