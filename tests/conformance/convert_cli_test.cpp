// `kthena convert` as a user runs it: the real binary on upstream's example ModelBoosters. It prints exactly the
// objects the library generates, invalid input fails with `kthena validate`'s errors (exit 1), and unparsable
// input names the line and column (exit 2).
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "api/admission.h"
#include "api/codec/yaml_decoder.h"
#include "api/codec/yaml_encoder.h"
#include "controllers/modelbooster/converter.h"
#include "unit/api/conformance_dir.h"

namespace kthena::testing {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs `kthena convert <args>` with `input` on stdin when given.
Outcome convert(const std::string& args, const std::string& input = "") {
  const fs::path dir = fs::temp_directory_path() / ("kthena-convert-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "in") << input;
  const std::string command = std::string(KTHENA_BINARY) + " convert " + args + " <" + (dir / "in").string() + " >" +
                              (dir / "out").string() + " 2>" + (dir / "err").string();
  Outcome run;
  const int raw = std::system(command.c_str());
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  run.out = read_file(dir / "out");
  run.err = read_file(dir / "err");
  fs::remove_all(dir);
  return run;
}

const char* kExample = "kthena/HEAD/examples/model-booster/prefill-decode-disaggregation.yaml";

TEST(ConvertCliTest, PrintsWhatTheLibraryGeneratesAsYaml) {
  const fs::path example = conformance_dir() / kExample;
  KTHENA_REQUIRE_CONFORMANCE(example);
  const Outcome run = convert("-f " + example.string() + " --uid 7d9f3c1e-1111-4a2b-9c3d-000000000001");
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.err, "");

  Json booster = *api::decode_document(read_file(example), example.string());
  booster["metadata"]["uid"] = "7d9f3c1e-1111-4a2b-9c3d-000000000001";
  auto admitted = api::admit(api::KindRegistry::builtin(), booster, nullptr);
  ASSERT_TRUE(admitted && admitted->ok());
  auto expected = controllers::modelbooster::ModelBoosterConverter::create()->convert(admitted->object);
  ASSERT_TRUE(expected);
  EXPECT_EQ(run.out, api::encode_yaml_documents(expected->in_order()));
  // Numeric strings stay strings (the sidecar's args), numbers stay numbers (its port).
  EXPECT_NE(run.out.find("- --port\n            - \"8100\"\n"), std::string::npos);
  EXPECT_NE(run.out.find("- containerPort: 8100\n"), std::string::npos);
}

TEST(ConvertCliTest, ReadsStdinAndSkipsOtherKinds) {
  const fs::path example = conformance_dir() / kExample;
  KTHENA_REQUIRE_CONFORMANCE(example);
  const std::string stream = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n" + read_file(example);
  const Outcome run = convert("-f -", stream);
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.err.find("<stdin>:1: skipped: ConfigMap is not a ModelBooster"), std::string::npos) << run.err;
  EXPECT_EQ(run.out.rfind("apiVersion: workload.serving.volcano.sh/v1alpha1\nkind: ModelServing\n", 0), 0u);
  EXPECT_NE(run.out.find("\nkind: ModelServer\n"), std::string::npos);
  EXPECT_NE(run.out.find("\nkind: ModelRoute\n"), std::string::npos);
  // No UID anywhere: no owner reference rather than an invented one.
  EXPECT_EQ(run.out.find("ownerReferences"), std::string::npos);
}

TEST(ConvertCliTest, InvalidInputFailsWithValidatesErrors) {
  const std::string booster = R"(apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelBooster
metadata:
  name: broken
spec:
  backend:
    name: b1
    type: vLLM
    modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
    cacheURI: hostpath:///tmp/cache
    replicas: 1
    workers:
    - type: prefill
      image: vllm/vllm-openai:latest
)";
  const Outcome run = convert("-f -", booster);
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_NE(run.err.find("<stdin>: ModelBooster/default/broken: spec.backend.workers[0].type: Invalid value: "
                         "\"prefill\": If backend type is 'vLLM', the worker type must be 'server'"),
            std::string::npos)
      << run.err;
}

TEST(ConvertCliTest, AConversionErrorNamesTheField) {
  // Admissible (the webhook only checks worker types), but a disaggregated backend needs both roles.
  const std::string booster = R"(apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelBooster
metadata: {name: half, namespace: ns}
spec:
  backend:
    name: b1
    type: vLLMDisaggregated
    modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
    cacheURI: hostpath:///tmp/cache
    replicas: 1
    workers: [{type: decode, image: vllm/vllm-openai:latest, replicas: 1}]
)";
  const Outcome run = convert("-f -", booster);
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("<stdin>: ModelBooster/ns/half: spec.backend.workers: Required value: prefill worker not "
                         "found in backend"),
            std::string::npos)
      << run.err;
}

TEST(ConvertCliTest, UnparsableOrUnreadableInputExitsTwo) {
  Outcome run = convert("-f -", "kind: ModelBooster\nspec: [\n");
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.err.rfind("<stdin>:", 0), 0u) << run.err;
  run = convert("-f /nonexistent/booster.yaml");
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("/nonexistent/booster.yaml: cannot read: No such file or directory"), std::string::npos)
      << run.err;
}

}  // namespace
}  // namespace kthena::testing
