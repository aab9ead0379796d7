// JSON string literals written by hand on hot paths (the router's body splicing, the simulator's SSE chunks),
// where building a document to dump one string would cost more than the rest of the work.
#pragma once

#include <string>
#include <string_view>

namespace kthena {

// Appends `s` as a JSON string literal: quotes, escapes for '"', '\\' and control characters (\n, \r, \t, else
// \u00XX). Bytes >= 0x80 are copied as they are. Thread-safe.
void append_json_string(std::string& out, std::string_view s);

}  // namespace kthena
