// Table tests of webhook rules: each case edits a valid base object (JSON-pointer assignments and removals), runs
// the kind's webhook as admission does, and checks the rendered field errors for substrings, or that there are
// none.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "api/json.h"
#include "api/validation/webhooks.h"

namespace kthena::api::testing {

// A value that, assigned through an edit, removes the member instead.
inline Json removed() {
  return Json(Json::value_t::discarded);
}

struct Edit {
  std::string pointer;
  Json value;
};

struct WebhookCase {
  std::string name;
  std::vector<Edit> edits;
  std::vector<std::string> expect;  // substrings of the error text; empty means the object must be accepted
};

inline Json apply_edits(Json object, const std::vector<Edit>& edits) {
  for (const Edit& e : edits) {
    Json::json_pointer ptr(e.pointer);
    if (e.value.is_discarded()) {
      Json& parent = object[ptr.parent_pointer()];
      if (parent.is_object()) parent.erase(ptr.back());
      if (parent.is_array()) parent.erase(std::stoul(ptr.back()));
    } else {
      object[ptr] = e.value;
    }
  }
  return object;
}

inline std::string render(const FieldErrors& errs) {
  std::string out;
  for (const FieldError& e : errs) out += "  - " + e.to_string() + "\n";
  return out;
}

// Runs `c` against `base` through the registered webhooks of (group, kind): mutate first, then validate.
inline void run_case(std::string_view group, std::string_view kind, const Json& base, const WebhookCase& c,
                     const Json* old_object = nullptr) {
  SCOPED_TRACE(c.name);
  Webhooks hooks = find_webhooks(group, kind);
  ASSERT_NE(hooks.validate, nullptr) << "no validating webhook registered for " << kind;
  Json object = apply_edits(base, c.edits);
  if (hooks.mutate != nullptr) hooks.mutate(object);
  std::string text = render(hooks.validate(object, old_object));
  if (c.expect.empty()) {
    EXPECT_EQ(text, "") << "expected no errors";
    return;
  }
  EXPECT_NE(text, "") << "expected errors containing: " << c.expect.front();
  for (const std::string& want : c.expect)
    EXPECT_NE(text.find(want), std::string::npos) << "missing: " << want << "\ngot:\n" << text;
}

}  // namespace kthena::api::testing

namespace kthena::api::testing {

// gtest parameter names: the case name with everything but letters and digits turned into '_'.
inline std::string param_name(const ::testing::TestParamInfo<WebhookCase>& info) {
  std::string out;
  for (char c : info.param.name) out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

inline void PrintTo(const WebhookCase& c, std::ostream* os) {
  *os << c.name;
}

}  // namespace kthena::api::testing
