// How a plain (unquoted, untagged) YAML scalar becomes a JSON value, following go-yaml v2 as used by
// sigs.k8s.io/yaml, i.e. what kubectl and the Kubernetes API server do with a YAML manifest:
//   null:   "", "~", "null", "Null", "NULL"
//   bools:  y Y yes Yes YES on On ON true True TRUE  /  n N no No NO off Off OFF false False FALSE
//   ints:   strconv.ParseInt(s, 0, 64) after removing '_': decimal, 0x hex, 0o and leading-0 octal, 0b binary;
//           beyond int64 -> uint64; beyond uint64 -> float
//   floats: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$, plus .inf/-.inf/.nan (kept as non-finite
//           doubles; JSON cannot carry them, so admission rejects them with the field's path)
//   everything else (including timestamps, which go-yaml v2 hands to interface{} as strings) is a string.
#pragma once

#include <string_view>

#include "api/json.h"

namespace kthena::api {

// The JSON value of a plain scalar.
Json resolve_plain_scalar(std::string_view text);

// True when `text`, written as a plain scalar, would read back as the same string: it resolves to a string and
// does not look like a timestamp or a YAML 1.1 base-60 number (go-yaml v2 quotes those too).
bool plain_reads_as_string(std::string_view text);

}  // namespace kthena::api
