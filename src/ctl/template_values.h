// The `.Values` of `kthena create manifest` (spec kthena-workload.md §6): the values file, then each --set, then
// `name` from --name, then `namespace` from -n when the values do not set one.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/json.h"
#include "common/result.h"

namespace kthena::ctl {

// Applies one --set argument as Helm does: "a=1,b.c=x" sets a (an integer) and b.c (a string); values are typed
// as Helm's strvals types them (integers, true/false, null; everything else, floats included, a string); "\,"
// and "\=" escape; an empty value is "". Lists (`a[0]=x`) are not supported. Errors name the argument.
Result<void> apply_set(Json& values, std::string_view argument);

struct ValueSources {
  std::string file_text;  // the -f values file's content ("" for none)
  std::string file_name;  // for errors
  std::vector<std::string> sets;
  std::string name;  // --name ("" when not given)
  std::string ns;    // -n (the default namespace when not given)
};

// The merged values. Errors: the file's YAML position, a --set argument, a values file that is not a map.
Result<Json> build_values(const ValueSources& sources);

}  // namespace kthena::ctl
