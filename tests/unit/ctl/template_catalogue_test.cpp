#include "ctl/template_catalogue.h"

#include <gtest/gtest.h>

#include "api/admission.h"
#include "api/codec/yaml_decoder.h"
#include "api/registry/kind_registry.h"
#include "ctl/template_renderer.h"

namespace kthena::ctl {
namespace {

TEST(TemplateDescription, UpstreamsRule) {
  EXPECT_EQ(template_description("# Description: Small model\n# description: no\nkind: X\n"), "Small model");
  EXPECT_EQ(template_description("# header\n# This template's DESCRIPTION is here\n# Description: later wins\n"),
            "later wins");
  EXPECT_EQ(template_description("# header\n# a description of it\nkind: X\n"), "a description of it");
  EXPECT_EQ(template_description("kind: X\n"), "No description available");
  EXPECT_EQ(template_description("  #   Description:   padded  \n"), "padded");
}

TEST(TemplateCatalogue, UpstreamsThirteenTemplates) {
  std::vector<std::string> names;
  for (const TemplateInfo& t : TemplateCatalogue::builtin().all()) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{
                       "Qwen/Qwen3-32B",
                       "Qwen/Qwen3-32B-NPU",
                       "Qwen/Qwen3-8B",
                       "Qwen/Qwen3-8B-NPU",
                       "Qwen/Qwen3-Coder-30B-A3B-Instruct",
                       "Qwen/Qwen3-Coder-30B-A3B-Instruct-NPU",
                       "Qwen/Qwen3-Coder-30B-A3B-Instruct-PD-Disaggregated-LMCache",
                       "Qwen/Qwen3-Coder-30B-A3B-Instruct-PD-Disaggregated-Mooncake",
                       "Qwen/Qwen3-Coder-30B-A3B-Instruct-PD-Disaggregated-NixlConnector",
                       "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B",
                       "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B-NPU",
                       "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
                       "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B-NPU",
                   }));
  for (const TemplateInfo& t : TemplateCatalogue::builtin().all()) {
    EXPECT_NE(t.description, "No description available") << t.name;
    EXPECT_EQ(t.file_path, "templates/" + t.name + ".yaml");
  }
}

TEST(TemplateCatalogue, FindsFullAndBareNames) {
  const TemplateCatalogue& catalogue = TemplateCatalogue::builtin();
  auto full = catalogue.find("Qwen/Qwen3-8B");
  ASSERT_TRUE(full);
  EXPECT_EQ((*full)->name, "Qwen/Qwen3-8B");
  auto bare = catalogue.find("DeepSeek-R1-Distill-Qwen-7B");
  ASSERT_TRUE(bare);
  EXPECT_EQ((*bare)->name, "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B");
  auto missing = catalogue.find("Llama");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("kthena get templates"), std::string::npos);

  TemplateCatalogue twins({{"A/M", "templates/A/M.yaml", "x"}, {"B/M", "templates/B/M.yaml", "y"}});
  auto ambiguous = twins.find("M");
  ASSERT_FALSE(ambiguous);
  EXPECT_NE(ambiguous.error().message.find("A/M, B/M"), std::string::npos);
}

// The fix compatibility.md describes: every template renders, with no values at all and with a name, into one
// ModelBooster that admission accepts, with backend.replicas set and without the stale min/maxReplicas.
TEST(TemplateCatalogue, EveryTemplateRendersAnAdmittedBoosterWithReplicas) {
  for (const TemplateInfo& t : TemplateCatalogue::builtin().all()) {
    for (const Json& values : {Json::object(), Json{{"name", "my-model"}, {"namespace", "team"}, {"replicas", 2}}}) {
      auto text = render_template(t.content, t.name, values);
      ASSERT_TRUE(text) << t.name << ": " << text.error().to_string();
      auto docs = api::decode_documents(*text, t.name);
      ASSERT_TRUE(docs) << t.name << ": " << docs.error().to_string() << "\n" << *text;
      ASSERT_EQ(docs->size(), 1u) << t.name;
      const Json& booster = docs->front().value;
      EXPECT_EQ(booster["kind"], "ModelBooster") << t.name;
      const Json& backend = booster["spec"]["backend"];
      EXPECT_EQ(backend["replicas"], values.contains("replicas") ? 2 : 1) << t.name;
      EXPECT_FALSE(backend.contains("minReplicas")) << t.name;
      EXPECT_FALSE(backend.contains("maxReplicas")) << t.name;
      if (values.contains("name")) {
        EXPECT_EQ(booster["metadata"]["name"], "my-model");
        EXPECT_EQ(booster["metadata"]["namespace"], "team");
        EXPECT_EQ(booster["spec"]["name"], "my-model");
      }
      api::AdmissionOptions options;
      options.field_validation = api::FieldValidation::kStrict;
      auto admitted = api::admit(api::KindRegistry::builtin(), booster, nullptr, options);
      ASSERT_TRUE(admitted) << t.name << ": " << admitted.error().to_string();
      for (const FieldError& e : admitted->errors) ADD_FAILURE() << t.name << ": " << e.to_string();
      for (const std::string& w : admitted->warnings()) ADD_FAILURE() << t.name << ": " << w;
    }
  }
}

}  // namespace
}  // namespace kthena::ctl
