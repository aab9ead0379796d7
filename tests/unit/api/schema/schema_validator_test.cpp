#include "api/schema/schema_validator.h"

#include <gtest/gtest.h>

#include "api/codec/yaml_decoder.h"
#include "api/registry/kind_registry.h"
#include "api/schema/defaulting.h"
#include "api/schema/pruning.h"

namespace kthena::api {
namespace {

constexpr std::string_view kFixture = R"yaml(
definitions:
  t.v1.Obj:
    type: object
    required: [spec]
    properties:
      apiVersion: {type: string}
      kind: {type: string}
      metadata: {type: object}
      spec:
        type: object
        required: [name]
        properties:
          name: {type: string, maxLength: 5, minLength: 1, pattern: '^[a-z]+$'}
          replicas: {type: integer, format: int32, minimum: 0, maximum: 10, default: 1}
          ratio: {type: number, exclusiveMinimum: true, minimum: 0}
          mode: {type: string, enum: [a, b], default: a}
          when: {type: string, format: date-time}
          tags: {type: array, items: {type: string}, x-kubernetes-list-type: set, maxItems: 3}
          env:
            type: array
            x-kubernetes-list-type: map
            x-kubernetes-list-map-keys: [name]
            items: {type: object, required: [name], properties: {name: {type: string}, value: {type: string, default: x}}}
          labels: {type: object, additionalProperties: {type: string}, maxProperties: 2}
          config: {type: object, x-kubernetes-preserve-unknown-fields: true}
          size: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}], pattern: '^[0-9]+%?$'}
          nested:
            type: object
            properties:
              inner: {type: object, properties: {deep: {type: integer, default: 7}}, default: {}}
          immutable:
            type: string
            x-kubernetes-validations: [{rule: self == oldSelf, message: immutable is immutable}]
        x-kubernetes-validations:
          - {rule: "!has(self.replicas) || self.replicas <= 5 || self.mode == 'b'", message: more than 5 replicas need mode b, fieldPath: .replicas}
          - {rule: "!has(self.ratio) || self.ratio < 1.0"}
          - {rule: "has(self.name)", reason: FieldValueRequired, message: name please}
kinds:
  - {group: t.io, version: v1, kind: Obj, plural: objs, scope: Namespaced, schema: {$ref: t.v1.Obj}}
)yaml";

class SchemaValidatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = KindRegistry::load({{"t.yaml", kFixture}});
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    registry_ = std::make_unique<KindRegistry>(std::move(*r));
    schema_ = registry_->find("t.io", "v1", "Obj")->schema;
  }
  static Json yaml(std::string_view text) { return *decode_document(text, "t.yaml"); }
  std::vector<std::string> errors(std::string_view text, const Json* old = nullptr) {
    std::vector<std::string> out;
    for (const FieldError& e : validate_schema(yaml(text), *schema_, old)) out.push_back(e.to_string());
    return out;
  }
  std::unique_ptr<KindRegistry> registry_;
  const Schema* schema_ = nullptr;
};

TEST_F(SchemaValidatorTest, ValidObject) {
  EXPECT_EQ(errors("spec: {name: abc, replicas: 3, ratio: 0.5, when: '2024-01-01T00:00:00Z', size: '50%'}"),
            std::vector<std::string>{});
}

TEST_F(SchemaValidatorTest, TypeErrorsAsKubernetesPrintsThem) {
  const std::string not_checked =
      "Invalid value: null: some validation rules were not checked because the object was invalid; correct the "
      "existing errors to complete validation";
  EXPECT_EQ(errors("spec: {name: abc, replicas: '3'}"),
            (std::vector<std::string>{
                R"(spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string")",
                not_checked}));
  EXPECT_EQ(errors("spec: {name: abc, replicas: 1.5}"),
            (std::vector<std::string>{
                R"(spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number")",
                not_checked}));
  EXPECT_EQ(errors("spec: {name: abc, replicas: 2.0}"), std::vector<std::string>{});
  EXPECT_EQ(errors("spec: {name: abc, size: true}"),
            (std::vector<std::string>{
                R"(spec.size: Invalid value: "boolean": spec.size in body must be of type integer,string: "boolean")",
                not_checked}));
  EXPECT_EQ(errors("spec: []"),
            std::vector<std::string>{R"(spec: Invalid value: "array": spec in body must be of type object: "array")"});
}

TEST_F(SchemaValidatorTest, EveryConstraint) {
  auto e = errors(R"(
spec:
  name: ABCDEFG
  replicas: 11
  ratio: 0
  mode: b
  when: yesterday
  tags: [a, b, a, c]
  env: [{name: A}, {name: B}, {name: A}]
  labels: {a: x, b: v, c: w}
  size: 'x'
)");
  std::vector<std::string> want = {
      "spec.name: Too long: may not be more than 5 bytes",
      "spec.name: Invalid value: \"ABCDEFG\": spec.name in body should match '^[a-z]+$'",
      "spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10",
      "spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0",
      "spec.when: Invalid value: \"yesterday\": spec.when in body must be of type date-time: \"yesterday\"",
      "spec.tags: Too many: 4: must have at most 3 items",
      "spec.tags[2]: Duplicate value: \"a\"",
      "spec.env[2]: Duplicate value: {\"name\":\"A\"}",
      "spec.labels: Too many: 3: must have at most 2 items",
      "spec.size: Invalid value: \"x\": spec.size in body should match '^[0-9]+%?$'",
  };
  EXPECT_EQ(e, want);
}

TEST_F(SchemaValidatorTest, RequiredAndRules) {
  const std::string not_checked =
      "Invalid value: null: some validation rules were not checked because the object was invalid; correct the "
      "existing errors to complete validation";
  EXPECT_EQ(errors("{}"), std::vector<std::string>{"spec: Required value"});
  EXPECT_EQ(errors("spec: {}"),
            (std::vector<std::string>{"spec.name: Required value", "spec: Required value: name please"}));
  EXPECT_EQ(
      errors("spec: {name: a, ratio: 2.5}"),
      std::vector<std::string>{"spec: Invalid value: \"object\": failed rule: !has(self.ratio) || self.ratio < 1.0"});
  EXPECT_EQ(errors("spec: {name: a, ratio: .nan}"),
            (std::vector<std::string>{"spec.ratio: Invalid value: \"NaN\": must be a finite number", not_checked}));
  EXPECT_EQ(
      errors("spec: {name: a, mode: c}"),
      (std::vector<std::string>{"spec.mode: Unsupported value: \"c\": supported values: \"a\", \"b\"", not_checked}));
  EXPECT_EQ(errors("spec: {name: a, replicas: 6, mode: a}"),
            std::vector<std::string>{"spec.replicas: Invalid value: \"object\": more than 5 replicas need mode b"});
  EXPECT_EQ(
      errors("spec: {name: a, config: {x: [1, .inf]}}"),
      (std::vector<std::string>{"spec.config.x[1]: Invalid value: \"+Inf\": must be a finite number", not_checked}));
}

TEST_F(SchemaValidatorTest, TransitionRulesRunOnlyOnUpdateWithAnOldValue) {
  Json old = yaml("spec: {name: a, immutable: one}");
  EXPECT_EQ(errors("spec: {name: a, immutable: two}"), std::vector<std::string>{});
  EXPECT_EQ(errors("spec: {name: a, immutable: two}", &old),
            std::vector<std::string>{"spec.immutable: Invalid value: \"string\": immutable is immutable"});
  EXPECT_EQ(errors("spec: {name: a, immutable: one}", &old), std::vector<std::string>{});
  Json old_without = yaml("spec: {name: a}");
  EXPECT_EQ(errors("spec: {name: a, immutable: two}", &old_without), std::vector<std::string>{});
}

TEST_F(SchemaValidatorTest, PruningKeepsWhatTheSchemaAllows) {
  Json v = yaml(R"(
apiVersion: t.io/v1
kind: Obj
metadata: {name: x, bogus: 1, labels: {a: b}}
spec:
  name: a
  unknown: 1
  config: {anything: [1, {goes: true}]}
  labels: {free: form}
  env: [{name: A, extra: 1}]
extra: true
)");
  std::vector<std::string> dropped = prune(v, *schema_);
  EXPECT_EQ(dropped, (std::vector<std::string>{"metadata.bogus", "spec.unknown", "spec.env[0].extra", "extra"}));
  EXPECT_EQ(v["metadata"], yaml("{name: x, labels: {a: b}}"));
  EXPECT_EQ(v["spec"]["config"], yaml("{anything: [1, {goes: true}]}"));
  EXPECT_FALSE(v.contains("extra"));
  EXPECT_EQ(unknown_fields(v, *schema_), std::vector<std::string>{});
}

TEST_F(SchemaValidatorTest, StructuralDefaulting) {
  Json v = yaml("spec: {name: a, mode: null, env: [{name: A}], nested: {}}");
  apply_defaults(v, *schema_);
  EXPECT_EQ(v["spec"]["replicas"], 1);
  EXPECT_EQ(v["spec"]["mode"], "a");                   // null replaced by the default
  EXPECT_EQ(v["spec"]["env"][0]["value"], "x");        // inside lists
  EXPECT_EQ(v["spec"]["nested"]["inner"]["deep"], 7);  // inside a default just applied
  Json absent = yaml("{}");
  apply_defaults(absent, *schema_);
  EXPECT_EQ(absent, yaml("{}"));  // parents are never created
}

}  // namespace
}  // namespace kthena::api
