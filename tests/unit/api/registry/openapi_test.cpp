#include "api/registry/openapi.h"

#include <gtest/gtest.h>

#include "api/registry/crd_renderer.h"

namespace kthena::api {
namespace {

constexpr std::string_view kFixture = R"(
definitions:
  test.v1.Meta: {type: object, properties: {name: {type: string}}}
  test.v1.Widget:
    type: object
    properties:
      metadata: {$ref: test.v1.Meta, description: Standard metadata.}
      spec:
        type: object
        properties:
          size: {type: integer, default: 1}
          part: {$ref: test.v1.Part}
  test.v1.Part: {type: object, description: A part., properties: {b: {type: string}, a: {type: string}}}
kinds:
  - {group: test.example.com, version: v1, kind: Widget, plural: widgets, scope: Namespaced, crd: true,
     subresources: {status: {}, scale: {specReplicasPath: .spec.size, statusReplicasPath: .status.size}},
     additionalPrinterColumns: [{name: Size, type: integer, jsonPath: .spec.size, description: How big}],
     schema: {$ref: test.v1.Widget}}
  - {group: "", version: v1, kind: Thing, plural: things, scope: Cluster, schema: {type: object}}
)";

TEST(OpenApi, DocumentsPerGroupVersionForKubectl) {
  auto registry = KindRegistry::load({{"t.yaml", kFixture}});
  ASSERT_TRUE(registry.has_value()) << registry.error().to_string();
  OpenApi api = OpenApi::build(*registry);
  ASSERT_EQ(api.documents().size(), 2u);
  EXPECT_EQ(api.documents()[0].path, "api/v1");
  const OpenApiDocument* doc = api.find("/apis/test.example.com/v1");
  ASSERT_NE(doc, nullptr);
  const Json& d = doc->document;
  const Json& patch = d["paths"]["/apis/test.example.com/v1/namespaces/{namespace}/widgets/{name}"]["patch"];
  EXPECT_EQ(patch["x-kubernetes-group-version-kind"],
            (Json{{"group", "test.example.com"}, {"version", "v1"}, {"kind", "Widget"}}));
  bool field_validation = false;
  for (const Json& p : patch["parameters"])
    field_validation = field_validation || (p["name"] == "fieldValidation" && p["in"] == "query");
  EXPECT_TRUE(field_validation);
  EXPECT_FALSE(patch["requestBody"]["content"].contains("application/strategic-merge-patch+json"));
  EXPECT_TRUE(patch["requestBody"]["content"].contains("application/merge-patch+json"));
  EXPECT_TRUE(d["paths"].contains("/apis/test.example.com/v1/namespaces/{namespace}/widgets/{name}/scale"));
  EXPECT_TRUE(d["paths"].contains("/apis/test.example.com/v1/widgets"));
  const Json& schemas = d["components"]["schemas"];
  EXPECT_EQ(schemas["test.v1.Widget"]["x-kubernetes-group-version-kind"][0]["kind"], "Widget");
  EXPECT_EQ(schemas["test.v1.Widget"]["properties"]["metadata"]["allOf"][0]["$ref"],
            "#/components/schemas/test.v1.Meta");
  EXPECT_EQ(schemas["test.v1.Widget"]["properties"]["spec"]["properties"]["part"]["$ref"],
            "#/components/schemas/test.v1.Part");
  EXPECT_TRUE(schemas.contains("test.v1.Meta"));
  EXPECT_TRUE(schemas.contains("test.v1.Part"));
  Json index = Json::parse(api.index_json());
  EXPECT_EQ(index["paths"]["apis/test.example.com/v1"]["serverRelativeURL"],
            "/openapi/v3/apis/test.example.com/v1?hash=" + doc->hash);
  EXPECT_EQ(Json::parse(doc->json), d);
  EXPECT_EQ(api.find("apis/none/v1"), nullptr);
  EXPECT_TRUE(api.find("api/v1")->document["paths"].contains("/api/v1/things/{name}"));
}

TEST(CrdRenderer, ControllerGenLayout) {
  auto registry = KindRegistry::load({{"t.yaml", kFixture}});
  ASSERT_TRUE(registry.has_value());
  auto files = render_crds(*registry);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].file_name, "test.example.com_widgets.yaml");
  const Json& crd = files[0].crd;
  EXPECT_EQ(crd["metadata"]["name"], "widgets.test.example.com");
  const Json& version = crd["spec"]["versions"][0];
  EXPECT_EQ(version["storage"], true);
  EXPECT_EQ(version["subresources"]["scale"]["specReplicasPath"], ".spec.size");
  const Json& schema = version["schema"]["openAPIV3Schema"];
  EXPECT_EQ(schema["properties"]["metadata"], (Json{{"type", "object"}}));
  EXPECT_EQ(schema["properties"]["spec"]["properties"]["part"]["description"], "A part.");
  EXPECT_EQ(schema["properties"]["spec"]["properties"]["part"]["properties"].begin().key(), "a");  // keys sorted
  EXPECT_EQ(files[0].yaml.rfind("---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n", 0), 0u);
}

}  // namespace
}  // namespace kthena::api
