// kthena::Json -> YAML text in the layout kubectl prints (go-yaml v2 through sigs.k8s.io/yaml): block style,
// keys in object order, sequences not indented below their key, `{}`/`[]` for empty collections, strings quoted
// only when a plain scalar would read back as something else (double quotes) or would not parse (single quotes),
// multi-line strings as `|` literal blocks, long plain strings folded at column 80, floats as Go's %g.
// decode_yaml(encode_yaml(x)) == x for every value the decoders produce.
#pragma once

#include <string>
#include <vector>

#include "api/json.h"

namespace kthena::api {

// One document, ending in a newline. Non-finite floats are written as .nan/.inf/-.inf.
std::string encode_yaml(const Json& value);

// Several documents separated by "---" lines, as `kubectl get -o yaml` prints a stream.
std::string encode_yaml_documents(const std::vector<Json>& documents);

// Go's strconv.FormatFloat(v, 'g', -1, 64), with YAML's spellings of the non-finite values.
std::string format_go_float(double v);

}  // namespace kthena::api
