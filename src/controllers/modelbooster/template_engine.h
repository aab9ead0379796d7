// Fills `${KEY}` placeholders in a parsed YAML template (spec kthena-workload.md §2.4 "Template engine"), so that
// the shape of a generated ModelServing can be read in one file (templates/*.yaml) while the values come from
// code.
//
//   - A string that is exactly one placeholder takes the value's type: object, list, number, bool or string. A
//     null value removes the member (or list element) that held the placeholder, as a nil pointer vanishes from
//     upstream's typed object.
//   - A number or bool placed into a list that also holds literal strings becomes its decimal string, so that
//     `args: [--port, ${PORT}]` stays a list of strings ("8900") while `containerPort: ${PORT}` stays a number.
//   - A string that contains placeholders among other text gets them interpolated: strings as they are, numbers
//     as Go's %v, bools as true/false, anything else as compact JSON.
//   - An unknown key, or a "${" without its "}", is an error naming the template and the path.
//   - Substituted values are data: they are not searched for placeholders again (upstream re-scanned them, so a
//     user's env value "${HOME}" failed the conversion).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "api/json.h"
#include "common/result.h"

namespace kthena::controllers::modelbooster {

class TemplateValues {
 public:
  TemplateValues& set(std::string key, Json value);
  const Json* find(std::string_view key) const;

 private:
  std::map<std::string, Json, std::less<>> values_;
};

// `template_tree` rendered with `values`. `template_name` prefixes error messages.
Result<Json> render_template(const Json& template_tree, const TemplateValues& values, std::string_view template_name);

}  // namespace kthena::controllers::modelbooster
