#include "api/field_error.h"

#include <gtest/gtest.h>

namespace kthena {
namespace {

TEST(FieldError, FormatsLikeApimachinery) {
  FieldPath workers = FieldPath("spec").child("backend").child("workers");
  EXPECT_EQ(invalid(workers.index(0).child("type"), "x", "must be server").to_string(),
            R"(spec.backend.workers[0].type: Invalid value: "x": must be server)");
  EXPECT_EQ(required(FieldPath("spec"), "either modelName or loraAdapters must be specified").to_string(),
            "spec: Required value: either modelName or loraAdapters must be specified");
  EXPECT_EQ(forbidden(FieldPath("spec").child("x"), "no").to_string(), "spec.x: Forbidden: no");
  EXPECT_EQ(invalid(FieldPath("spec").child("rules").index(1), nullptr, "rule must not be nil").to_string(),
            "spec.rules[1]: Invalid value: null: rule must not be nil");
  EXPECT_EQ(invalid(FieldPath("a"), 0, "total weight must be greater than zero").to_string(),
            "a: Invalid value: 0: total weight must be greater than zero");
  EXPECT_EQ(not_supported(FieldPath("t"), "z", {"a", "b"}).to_string(),
            R"(t: Unsupported value: "z": supported values: "a", "b")");
  EXPECT_EQ(invalid(FieldPath("m").key("x-user").child("regex"), "(", "bad").to_string(),
            R"(m[x-user].regex: Invalid value: "(": bad)");
}

TEST(FieldError, StatusCauses) {
  FieldError e = invalid(FieldPath("spec").child("replicas"), -1, "should be a non-negative integer");
  EXPECT_EQ(e.body(), "Invalid value: -1: should be a non-negative integer");
  EXPECT_EQ(cause_reason(e.type), "FieldValueInvalid");
  EXPECT_EQ(cause_reason(required(FieldPath("spec"), "").type), "FieldValueRequired");
  EXPECT_EQ(required(FieldPath("spec").child("template"), "").body(), "Required value");
}

TEST(FieldError, QuotesLikeGo) {
  EXPECT_EQ(go_quote("a\"b\n\x01"), R"("a\"b\n\x01")");
}

}  // namespace
}  // namespace kthena
