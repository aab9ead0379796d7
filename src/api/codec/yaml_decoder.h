// YAML (and JSON) text -> kthena::Json, with Kubernetes' scalar resolution (scalar_resolver.h).
//
// Errors are values naming "source:line:column" (1-based) in Error::field; nothing thrown by yaml-cpp or
// nlohmann escapes. Duplicate mapping keys are errors (as under kubectl's strict YAML-to-JSON conversion),
// anchors and aliases are expanded (with a budget, so that an alias bomb is an error, not an OOM), merge keys
// (`<<`) apply with explicit keys taking precedence, and mapping keys are kept as written (a key `on` stays "on").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/json.h"
#include "common/result.h"

namespace kthena::api {

// One document of a stream, with the line (1-based) where it starts, for error messages.
struct Document {
  Json value;  // null for an empty document
  int line = 1;
};

// Every document of a YAML stream (`---`-separated). A text that starts with `{` or `[` (after whitespace and a
// BOM) is parsed as one JSON value instead, so that JSON keeps JSON's number precision and error messages.
Result<std::vector<Document>> decode_documents(std::string_view text, std::string_view source = "<input>");

// Exactly one document: the only one of the stream, or null when the stream is empty. More than one is an error.
Result<Json> decode_document(std::string_view text, std::string_view source = "<input>");

// YAML only (no JSON sniffing); JSON is YAML, so this accepts it too with YAML's scalar rules.
Result<std::vector<Document>> decode_yaml(std::string_view text, std::string_view source = "<input>");

// "source:line:column" for a byte offset into `text`.
std::string position_of(std::string_view text, size_t offset, std::string_view source);

}  // namespace kthena::api
