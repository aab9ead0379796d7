#include "ctl/template_values.h"

#include <gtest/gtest.h>

namespace kthena::ctl {
namespace {

TEST(ApplySet, HelmTypingNestingAndEscapes) {
  Json values = Json::object();
  ASSERT_TRUE(apply_set(values, "a=1,b=true,c=null,d=1.5,e=text,f.g.h=deep,i=,j=007,k=-3,l=0"));
  EXPECT_EQ(values["a"], 1);
  EXPECT_EQ(values["b"], true);
  EXPECT_TRUE(values["c"].is_null());
  EXPECT_EQ(values["d"], "1.5");  // Helm's strvals keeps floats as strings
  EXPECT_EQ(values["e"], "text");
  EXPECT_EQ(values["f"]["g"]["h"], "deep");
  EXPECT_EQ(values["i"], "");
  EXPECT_EQ(values["j"], "007");
  EXPECT_EQ(values["k"], -3);
  EXPECT_EQ(values["l"], 0);
  ASSERT_TRUE(apply_set(values, R"(url=a\,b\=c)"));
  EXPECT_EQ(values["url"], "a,b=c");
  ASSERT_TRUE(apply_set(values, "f.g=replaced"));
  EXPECT_EQ(values["f"]["g"], "replaced");
}

TEST(ApplySet, ErrorsNameTheArgument) {
  Json values = Json::object();
  auto e = apply_set(values, "novalue");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().field, "--set novalue");
  EXPECT_FALSE(apply_set(values, "=x"));
  EXPECT_FALSE(apply_set(values, "a..b=x"));
  EXPECT_NE(apply_set(values, "a[0]=x").error().message.find("not supported"), std::string::npos);
}

TEST(BuildValues, FileThenSetThenNameThenNamespaceIfUnset) {
  ValueSources sources;
  sources.file_text = "name: from-file\nreplicas: 2\nnamespace: file-ns\nkeep: yes-kept\n";
  sources.file_name = "values.yaml";
  sources.sets = {"replicas=3,name=from-set"};
  sources.name = "from-flag";
  sources.ns = "flag-ns";
  auto values = build_values(sources);
  ASSERT_TRUE(values) << values.error().to_string();
  EXPECT_EQ((*values)["name"], "from-flag");
  EXPECT_EQ((*values)["replicas"], 3);
  EXPECT_EQ((*values)["namespace"], "file-ns");  // the values' namespace wins over -n
  EXPECT_EQ((*values)["keep"], "yes-kept");

  sources.file_text.clear();
  sources.name.clear();
  values = build_values(sources);
  ASSERT_TRUE(values);
  EXPECT_EQ((*values)["name"], "from-set");
  EXPECT_EQ((*values)["namespace"], "flag-ns");
}

TEST(BuildValues, BadFilesAreNamed) {
  ValueSources sources;
  sources.file_name = "v.yaml";
  sources.file_text = "- a\n- b\n";
  auto values = build_values(sources);
  ASSERT_FALSE(values);
  EXPECT_EQ(values.error().field, "v.yaml");
  sources.file_text = "a: [\n";
  values = build_values(sources);
  ASSERT_FALSE(values);
  EXPECT_NE(values.error().to_string().find("v.yaml:"), std::string::npos) << values.error().to_string();
}

}  // namespace
}  // namespace kthena::ctl
