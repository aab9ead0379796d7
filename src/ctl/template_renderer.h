// The subset of Helm's template language (Go text/template with two Sprig functions) that the manifest templates
// use, so that `kthena create manifest` needs neither Go nor Helm:
//
//   {{ .Values.a.b }}                      a value; missing values render as "" (Helm's "<no value>" removal)
//   {{ .Values.x | default "v" }}          Sprig default: the literal (or another .Values path) when x is empty
//                                          (missing, null, "", 0, false, empty list or map)
//   {{ .Values.x | quote }}                Sprig quote: a double-quoted string with Go's escapes ("" for missing)
//   {{ default "v" .Values.x }}            the same functions called with their arguments first
//   {{- if .Values.x }} ... {{- else }} ... {{- end }}   Go's truth: not empty, as for default
//   {{- ... -}}                            trims the whitespace (newlines included) before / after the action
//   {{/* a comment */}}
//   .Chart.Name / .Chart.Version           "kthena-template" / "1.0.0", the chart upstream renders as
//
// Literals: "strings" with Go escapes, `raw strings`, integers, floats, true, false, nil. Integers print as
// integers (Helm, reading values through JSON, would print a large one as 1e+06), floats as Go's %v.
// Anything else (another function, parentheses, variables, range, with, else if) is an error naming the template
// and the line, so that a template cannot silently render wrong.
#pragma once

#include <string>
#include <string_view>

#include "api/json.h"
#include "common/result.h"

namespace kthena::ctl {

// Renders `source` with `values` under .Values. Errors: kInvalid with field "TEMPLATE:LINE".
Result<std::string> render_template(std::string_view source, std::string_view template_name, const Json& values);

}  // namespace kthena::ctl
