// Every container of upstream's examples under the simulation profile: the ModelServing examples as written, and
// the ModelBooster examples as `kthena convert` expands them. Engines must come out as kthena engine-sim on the
// port their ModelServer (or their own flags) say, answering to the model name the router will send.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "api/admission.h"
#include "api/codec/yaml_decoder.h"
#include "controllers/modelbooster/converter.h"
#include "node/images/image_catalog.h"
#include "unit/api/conformance_dir.h"

namespace kthena::node {
namespace {

namespace fs = std::filesystem;
using Words = std::vector<std::string>;
using testing::conformance_dir;

constexpr const char* kKthena = "/opt/kthena";

// Kubernetes' $(VAR) expansion, as the agent does it before resolving: unknown references stay as written.
std::string expand(const std::string& s, const std::map<std::string, std::string>& env) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 2, "$(") == 0) {
      size_t close = s.find(')', i);
      if (close != std::string::npos) {
        auto it = env.find(s.substr(i + 2, close - i - 2));
        if (it != env.end()) {
          out += it->second;
          i = close;
          continue;
        }
      }
    }
    out += s[i];
  }
  return out;
}

struct Example {
  std::string where;  // file / pod template / container
  ContainerRun run;
};

// The containers of one pod template, with the environment the agent would give them.
void add_containers(const std::string& where, const Json& pod_template, std::vector<Example>& out) {
  const Json spec = pod_template.value("spec", Json::object());
  Json labels = pod_template.value("metadata", Json::object()).value("labels", Json::object());
  for (const char* list : {"initContainers", "containers"}) {
    for (const Json& c : spec.value(list, Json::array())) {
      std::map<std::string, std::string> env{{"POD_IP", "10.244.0.9"},
                                             {"POD_NAME", "pod-0"},
                                             {"NAMESPACE", "default"},
                                             {"ENTRY_ADDRESS", "10.244.0.8"},
                                             {"GROUP_SIZE", "2"}};
      ContainerRun run;
      for (const Json& e : c.value("env", Json::array())) {
        if (e.contains("value")) env[e["name"]] = e["value"].get<std::string>();
        if (e.contains("value")) run.env.emplace_back(e["name"], e["value"]);
      }
      run.image = c.value("image", "");
      for (const Json& w : c.value("command", Json::array())) run.command.push_back(expand(w, env));
      for (const Json& w : c.value("args", Json::array())) run.args.push_back(expand(w, env));
      for (const Json& p : c.value("ports", Json::array())) run.ports.push_back(p.value("containerPort", 0));
      run.scratch_dir = "/var/lib/kthena/scratch";
      run.pod_ip = "10.244.0.9";
      for (const auto& [k, v] : labels.items()) run.pod_labels.emplace_back(k, v.get<std::string>());
      out.push_back({where + "/" + c.value("name", ""), std::move(run)});
    }
  }
}

void add_serving(const std::string& where, const Json& serving, std::vector<Example>& out) {
  for (const Json& role : serving["spec"]["template"]["roles"]) {
    const std::string r = where + "/" + role.value("name", "");
    if (role.contains("entryTemplate")) add_containers(r + "/entry", role["entryTemplate"], out);
    if (role.contains("workerTemplate")) add_containers(r + "/worker", role["workerTemplate"], out);
  }
}

// The names the resolved engine-sim answers to, and its port.
Words served_names(const Words& argv) {
  Words names;
  for (size_t k = 0; k < argv.size(); ++k) {
    if (argv[k] == "--served-model-name") {
      while (k + 1 < argv.size() && !argv[k + 1].starts_with("--")) names.push_back(argv[++k]);
      return names;
    }
  }
  for (size_t k = 0; k + 1 < argv.size(); ++k) {
    if (argv[k] == "--model") return {argv[k + 1]};
  }
  return names;
}
std::string flag_value(const Words& argv, const std::string& flag) {
  for (size_t k = 0; k + 1 < argv.size(); ++k) {
    if (argv[k] == flag) return argv[k + 1];
  }
  return "";
}
// What a Ray worker runs in simulation: nothing, until SIGTERM.
const Words kRayWorkerIdle{"sh", "-c", "trap 'exit 0' TERM INT; sleep infinity & wait"};
bool is_engine_sim(const Words& argv) {
  return argv.size() > 1 && argv[0] == kKthena && argv[1] == "engine-sim";
}

TEST(ImageCatalogExamples, EveryModelServingExampleRunsUnderTheSimulationProfile) {
  const fs::path dir = conformance_dir() / "kthena/HEAD/examples/model-serving";
  KTHENA_REQUIRE_CONFORMANCE(dir);
  std::vector<Example> examples;
  for (const fs::path& file : testing::files_under(dir, {".yaml"})) {
    auto docs = api::decode_documents(testing::read_file(file), file.string());
    ASSERT_TRUE(docs) << file;
    for (const api::Document& d : *docs) {
      if (d.value.is_object() && d.value.value("kind", "") == "ModelServing") {
        add_serving(file.filename().string(), d.value, examples);
      }
    }
  }
  ASSERT_GE(examples.size(), 50u);
  const ImageCatalog catalog = ImageCatalog::simulation(kKthena);
  // What each engine container must serve: port, then the name the router (or a client) sends. The examples'
  // ModelServers are not in these files; these are the engines' own flags, read by hand.
  const std::map<std::string, std::pair<std::string, std::string>> engines{
      {"data-parallel-deployment.yaml/leader/entry/engine", {"8000", "my-model"}},
      {"data-parallel-deployment.yaml/leader/worker/example-vllm-worker", {"8000", "my-model"}},
      {"gpu-kvcache-aware-sglang.yaml/server/entry/server", {"30000", "Qwen/Qwen3-0.6B"}},
      {"gpu-kvcache-aware.yaml/server/entry/server", {"8000", "Qwen/Qwen3-0.6B"}},
      {"gpu-pd-disaggregation.yaml/prefill/entry/prefill", {"8000", "Qwen/Qwen3-0.6B"}},
      {"gpu-pd-disaggregation.yaml/decode/entry/decode", {"8000", "Qwen/Qwen3-0.6B"}},
      {"multi-node.yaml/llama-405b/entry/leader", {"8080", "meta-llama/Llama-3.1-405B-Instruct"}},
      {"prefill-decode-disaggregation.yaml/prefill/entry/vllm", {"8000", "deepseek-ai/DeepSeekV2"}},
      {"prefill-decode-disaggregation.yaml/decode/entry/vllm", {"8000", "deepseek-ai/DeepSeekV2"}},
      {"sglang-pd-disaggregation.yaml/prefill/entry/sglang-prefill", {"30000", "Qwen/Qwen3-0.6B"}},
      {"sglang-pd-disaggregation.yaml/decode/entry/sglang-decode", {"30000", "Qwen/Qwen3-0.6B"}},
      {"vllm-pd-multinode.yaml/prefill/entry/leader", {"8000", "Qwen/Qwen3-8B"}},
      {"vllm-pd-multinode.yaml/decode/entry/leader", {"8000", "Qwen/Qwen3-8B"}},
  };
  std::set<std::string> engines_seen;
  std::map<std::string, int> programs;  // what the examples run, counted
  for (const Example& e : examples) {
    auto r = catalog.resolve(e.run);
    ASSERT_TRUE(r) << e.where << ": " << r.error().to_string();
    EXPECT_FALSE(r->note.empty()) << e.where;
    const std::string program =
        r->argv[0] == kKthena ? "kthena " + r->argv[1] : fs::path(r->argv[0]).filename().string();
    ++programs[program];
    // The flag that caps the probe delays goes with engine-sim, and only with it.
    EXPECT_EQ(r->engine_sim, is_engine_sim(r->argv)) << e.where;
    if (!is_engine_sim(r->argv)) {
      EXPECT_EQ(engines.count(e.where), 0u) << e.where << " should run an engine: " << r->note;
      continue;
    }
    auto expected = engines.find(e.where);
    EXPECT_NE(expected, engines.end()) << e.where << " runs an engine unexpectedly: " << r->note;
    if (expected == engines.end()) continue;
    engines_seen.insert(e.where);
    EXPECT_EQ(flag_value(r->argv, "--port"), expected->second.first) << e.where << ": " << r->note;
    EXPECT_EQ(served_names(r->argv).at(0), expected->second.second) << e.where << ": " << r->note;
    // The container's declared port, where it declares one, is the engine's.
    if (!e.run.ports.empty()) {
      EXPECT_EQ(flag_value(r->argv, "--port"), std::to_string(e.run.ports[0])) << e.where;
    }
  }
  EXPECT_EQ(engines_seen.size(), engines.size());
  // Every image of the examples is simulated: nginx pods, engines, Kthena's sidecars, and Ray workers idling.
  EXPECT_EQ(
      programs,
      (std::map<std::string, int>{
          {"kthena downloader", 12}, {"kthena engine-sim", 13}, {"kthena runtime", 4}, {"nginx", 20}, {"sh", 3}}));
}

TEST(ImageCatalogExamples, EveryModelBoosterExampleServesWhatItsModelServerExpects) {
  const fs::path dir = conformance_dir() / "kthena/HEAD/examples/model-booster";
  KTHENA_REQUIRE_CONFORMANCE(dir);
  auto converter = controllers::modelbooster::ModelBoosterConverter::create();
  ASSERT_TRUE(converter);
  const ImageCatalog catalog = ImageCatalog::simulation(kKthena);
  size_t boosters = 0;
  for (const fs::path& file : testing::files_under(dir, {".yaml"})) {
    auto docs = api::decode_documents(testing::read_file(file), file.string());
    ASSERT_TRUE(docs) << file;
    for (const api::Document& d : *docs) {
      if (!d.value.is_object() || d.value.value("kind", "") != "ModelBooster") continue;
      Json object = d.value;
      object["metadata"]["uid"] = "0d6c6e8e-5f0a-4a53-9c55-6f3b3f1c2a10";
      if (!object["metadata"].contains("namespace")) object["metadata"]["namespace"] = "default";
      auto admitted = api::admit(api::KindRegistry::builtin(), object, nullptr);
      ASSERT_TRUE(admitted && admitted->ok()) << file;
      auto objects = converter->convert(admitted->object);
      ASSERT_TRUE(objects) << file << ": " << objects.error().to_string();
      ++boosters;
      const Json& server = objects->model_server;
      const std::string model = server["spec"]["model"];
      const std::string port = std::to_string(server["spec"]["workloadPort"]["port"].get<int>());
      std::vector<Example> examples;
      add_serving(file.filename().string(), objects->model_serving, examples);
      size_t engine_pods = 0;
      for (const Example& e : examples) {
        auto r = catalog.resolve(e.run);
        ASSERT_TRUE(r) << e.where << ": " << r.error().to_string();
        if (r->argv[0] != kKthena) {
          // Only the Ray workers of a multi-pod server run something else: they idle.
          EXPECT_EQ(r->argv, kRayWorkerIdle) << e.where << ": " << r->note;
          continue;
        }
        if (r->argv[1] == "downloader") {
          EXPECT_EQ(r->argv.back(), "--dry-run") << e.where;
          continue;
        }
        if (r->argv[1] == "runtime") continue;
        ASSERT_TRUE(is_engine_sim(r->argv)) << e.where;
        ++engine_pods;
        EXPECT_EQ(flag_value(r->argv, "--port"), port) << e.where << ": " << r->note;
        Words names = served_names(r->argv);
        EXPECT_NE(std::find(names.begin(), names.end(), model), names.end())
            << e.where << " serves " << ::testing::PrintToString(names) << ", its ModelServer routes as " << model
            << ": " << r->note;
      }
      EXPECT_GE(engine_pods, 1u) << file;
    }
  }
  EXPECT_EQ(boosters, 5u);
}

}  // namespace
}  // namespace kthena::node
