#include "api/registry/kind_registry.h"

#include <gtest/gtest.h>

namespace kthena::api {
namespace {

Result<KindRegistry> load(std::string_view text) {
  return KindRegistry::load({{"test.yaml", text}});
}

std::string load_error(std::string_view text) {
  auto r = load(text);
  EXPECT_FALSE(r.has_value()) << text;
  return r ? "" : r.error().to_string();
}

constexpr std::string_view kFixture = R"(
definitions:
  test.v1.Widget:
    type: object
    properties:
      apiVersion: {type: string}
      kind: {type: string}
      metadata: {type: object}
      spec: {$ref: test.v1.WidgetSpec, description: The spec.}
  test.v1.WidgetSpec:
    type: object
    required: [size]
    properties:
      size: {type: integer, minimum: 0}
      name: {type: string, pattern: '^[a-z]+$'}
      children: {type: array, items: {$ref: test.v1.WidgetSpec}}
    x-kubernetes-validations:
      - {rule: "self.size < 10", message: too big}
kinds:
  - group: test.example.com
    version: v1
    kind: Widget
    plural: widgets
    scope: Namespaced
    shortNames: [wd]
    crd: true
    subresources: {status: {}, scale: {specReplicasPath: .spec.size, statusReplicasPath: .status.size}}
    additionalPrinterColumns: [{name: Size, type: integer, jsonPath: .spec.size}]
    schema: {$ref: test.v1.Widget}
)";

TEST(KindRegistry, LoadsAFixture) {
  auto r = load(kFixture);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  const KindInfo* w = r->find("test.example.com", "v1", "Widget");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->list_kind, "WidgetList");
  EXPECT_EQ(w->singular, "widget");
  EXPECT_EQ(w->api_version(), "test.example.com/v1");
  EXPECT_EQ(w->resource_name(), "widgets.test.example.com");
  EXPECT_TRUE(w->status_subresource);
  ASSERT_TRUE(w->scale.has_value());
  EXPECT_EQ(w->scale->spec_replicas_path, ".spec.size");
  EXPECT_EQ(w->printer_columns.at(0).name, "Size");
  EXPECT_EQ(w->schema_name, "test.v1.Widget");
  const Schema* spec = w->schema->property("spec");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->ref, "test.v1.WidgetSpec");
  EXPECT_EQ(spec->property("children")->items, spec);  // recursion resolves to the same node
  EXPECT_EQ(spec->validations.size(), 1u);
  EXPECT_EQ(r->find_by_name("wd"), w);
  EXPECT_EQ(r->find_by_name("Widgets"), w);
  EXPECT_EQ(r->find_by_name("widget.test.example.com"), w);
  EXPECT_EQ(r->find_by_name("widget.other.com"), nullptr);
  EXPECT_EQ(r->find_resource("test.example.com", "v1", "widgets"), w);
  EXPECT_EQ(r->find_by_api_version("test.example.com/v1", "Widget"), w);
  EXPECT_EQ(r->group_versions(), std::vector<std::string>{"test.example.com/v1"});
}

TEST(KindRegistry, EmptyFilesAreFine) {
  auto r = KindRegistry::load({{"a.yaml", ""}, {"b.yaml", "definitions: {}\nkinds: []\n"}, {"c.yaml", "# nothing\n"}});
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_TRUE(r->kinds().empty());
}

TEST(KindRegistry, LoadErrorsNameTheNode) {
  EXPECT_EQ(load_error("definitions:\n  a: {type: object, properties: {x: {$ref: missing}}}\n"),
            "test.yaml: definitions.a.properties.x: $ref to unknown definition \"missing\"");
  EXPECT_EQ(load_error("definitions:\n  a: {type: object, propertys: {}}\n"),
            "test.yaml: definitions.a: unknown schema keyword \"propertys\"");
  EXPECT_EQ(load_error("definitions:\n  a: {type: thing}\n"), "test.yaml: definitions.a: unsupported type \"thing\"");
  EXPECT_EQ(load_error("definitions:\n  a: {type: string, pattern: '(x'}\n"),
            "test.yaml: definitions.a: pattern: error parsing regexp: missing closing ): `(x`");
  EXPECT_EQ(load_error("definitions:\n  a: {type: object, x-kubernetes-validations: [{rule: 'self.x.quantity()'}]}\n"),
            "test.yaml: definitions.a.x-kubernetes-validations[0]: rule \"self.x.quantity()\": undeclared reference "
            "to 'quantity' (in container '') at column 8");
  EXPECT_EQ(load_error("definitions:\n  a: {$ref: b, type: object}\n  b: {type: object}\n"),
            "test.yaml: definitions.a: \"type\" is not allowed beside $ref (only description is)");
  EXPECT_EQ(load_error("definitions:\n  a: {type: array, x-kubernetes-list-type: map}\n"),
            "test.yaml: definitions.a: x-kubernetes-list-type: map needs x-kubernetes-list-map-keys");
  EXPECT_EQ(load_error("defs: {}\n"), "test.yaml:1: unknown top-level key \"defs\" (expected definitions or kinds)");
  EXPECT_NE(load_error("kinds:\n  - {group: g, version: v1, kind: K, plural: ks, scope: Namespaced}\n")
                .find("schema is required"),
            std::string::npos);
  EXPECT_NE(
      load_error("kinds:\n  - {group: g, version: v1, kind: K, plural: ks, scope: Global, schema: {type: object}}\n")
          .find("scope must be Namespaced or Cluster"),
      std::string::npos);
  std::string dup =
      "kinds:\n  - {group: g, version: v1, kind: K, plural: ks, scope: Namespaced, schema: {type: object}}\n"
      "  - {group: g, version: v1, kind: K, plural: ks2, scope: Namespaced, schema: {type: object}}\n";
  EXPECT_NE(load_error(dup).find("declared twice"), std::string::npos);
  EXPECT_NE(load_error("a: [").find("test.yaml:"), std::string::npos);
}

// The schemas compiled into the binary load, and hold every kind the platform serves.
TEST(KindRegistry, BuiltinSchemasLoad) {
  auto r = KindRegistry::load(embedded_schema_sources());
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  const KindRegistry& builtin = KindRegistry::builtin();
  for (auto [group, kind] : {std::pair{"workload.serving.volcano.sh", "ModelServing"},
                             std::pair{"workload.serving.volcano.sh", "ModelBooster"},
                             std::pair{"networking.serving.volcano.sh", "ModelRoute"}, std::pair{"", "Pod"}}) {
    bool found = false;
    for (const KindInfo& k : builtin.kinds()) found = found || (k.group == group && k.kind == kind);
    EXPECT_TRUE(found) << group << "/" << kind;
  }
}

}  // namespace
}  // namespace kthena::api
