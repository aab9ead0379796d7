#include "ctl/apply.h"

#include <gtest/gtest.h>

namespace kthena::ctl {
namespace {

constexpr const char* kBooster = R"(apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelBooster
metadata:
  name: demo
)";

TEST(ManifestObjects, DocumentsListsAndNamespaces) {
  std::string text = std::string(kBooster) + "---\n---\n" + R"(apiVersion: v1
kind: List
items:
- apiVersion: networking.serving.volcano.sh/v1alpha1
  kind: ModelRoute
  metadata: {name: r, namespace: other}
- apiVersion: v1
  kind: Namespace
  metadata: {name: team}
)";
  auto objects = manifest_objects(text, "app.yaml", "default", false);
  ASSERT_TRUE(objects) << objects.error().to_string();
  ASSERT_EQ(objects->size(), 3u);
  EXPECT_EQ((*objects)[0].ns, "default");
  EXPECT_EQ((*objects)[0].object["metadata"]["namespace"], "default");
  EXPECT_EQ((*objects)[0].document, 1);
  EXPECT_EQ((*objects)[1].ns, "other");
  EXPECT_EQ((*objects)[1].document, 3);
  EXPECT_EQ((*objects)[1].kind.kthena, KthenaKind::kModelRoute);
  EXPECT_EQ((*objects)[2].ns, "");  // cluster-scoped
  EXPECT_EQ(object_reference((*objects)[0].kind, "demo"), "modelbooster.workload.serving.volcano.sh/demo");
  EXPECT_EQ(object_reference((*objects)[2].kind, "team"), "namespace/team");
}

TEST(ManifestObjects, ErrorsNameFileDocumentAndField) {
  std::string text = std::string(kBooster) +
                     "---\napiVersion: workload.serving.volcano.sh/v1alpha1\nkind: ModelServing\nmetadata: {}\n";
  auto objects = manifest_objects(text, "app.yaml", "default", false);
  ASSERT_FALSE(objects);
  EXPECT_EQ(objects.error().message,
            "app.yaml: document 2 (ModelServing): metadata.name: Required value: name is "
            "required (generateName cannot be applied)");
  auto unknown = manifest_objects("apiVersion: batch/v1\nkind: Job\nmetadata: {name: d}\n", "d.yaml", "default", false);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("d.yaml: document 1 (Job/d): kind: no matches for kind"), std::string::npos)
      << unknown.error().message;
  auto typed = manifest_objects("apiVersion: v1\nkind: 5\n", "t.yaml", "default", false);
  ASSERT_FALSE(typed);
  EXPECT_NE(typed.error().message.find("kind: Invalid value: must be a string"), std::string::npos);
  auto yaml = manifest_objects("a: [\n", "bad.yaml", "default", false);
  ASSERT_FALSE(yaml);
  EXPECT_NE(yaml.error().to_string().find("bad.yaml:"), std::string::npos);
  auto mismatch =
      manifest_objects("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a}\n", "c.yaml", "b", true);
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().message.find("does not match the namespace \"b\""), std::string::npos);
}

}  // namespace
}  // namespace kthena::ctl
