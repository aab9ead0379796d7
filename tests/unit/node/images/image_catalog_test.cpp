#include <gtest/gtest.h>

#include <algorithm>

#include "node/images/image_catalog.h"

namespace kthena::node {
namespace {

using Words = std::vector<std::string>;

const ImageCatalog& sim() {
  static const ImageCatalog catalog = ImageCatalog::simulation("/opt/kthena");
  return catalog;
}

ContainerRun container(std::string image, Words command = {}, Words args = {}) {
  ContainerRun c;
  c.image = std::move(image);
  c.command = std::move(command);
  c.args = std::move(args);
  c.scratch_dir = "/var/lib/kthena/pods/p1/c1";
  c.pod_ip = "10.244.0.9";
  return c;
}

bool contains(const Words& words, const Words& sequence) {
  return std::search(words.begin(), words.end(), sequence.begin(), sequence.end()) != words.end();
}

TEST(ImageCatalog, ShellFormEngineSkipsInstallsAndNotesIt) {
  auto c = container("vllm/vllm-openai:v0.13.0", {"bash", "-c"},
                     {"pip install mooncake-transfer-engine && VLLM_X=1 exec python3 -m "
                      "vllm.entrypoints.openai.api_server --model /m --served-model-name q --port 8080"});
  auto r = sim().resolve(c);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->argv, (Words{"/opt/kthena", "engine-sim", "--engine", "vllm", "--model", "/m", "--served-model-name",
                            "q", "--port", "8080"}));
  EXPECT_NE(r->note.find("kthena engine-sim (vLLM), port 8080, serving q"), std::string::npos) << r->note;
  EXPECT_NE(r->note.find("pip install mooncake-transfer-engine"), std::string::npos) << r->note;
}

TEST(ImageCatalog, SharedNetworkBindsThePodIp) {
  auto c = container("lmsysorg/sglang:latest", {"python3", "-m", "sglang.launch_server"},
                     {"--model-path", "m", "--host", "0.0.0.0"});
  c.shared_network = true;
  auto r = sim().resolve(c);
  ASSERT_TRUE(r);
  EXPECT_TRUE(contains(r->argv, {"--host", "10.244.0.9", "--port", "30000"}));
  // Its own namespace: the engine's choice stands.
  c.shared_network = false;
  EXPECT_TRUE(contains(sim().resolve(c)->argv, {"--host", "0.0.0.0"}));
  // The runtime sidecar's engine URL follows the engine.
  auto runtime = container("kthena/runtime:latest", {}, {"--engine-base-url", "http://localhost:8000", "-P", "8100"});
  runtime.shared_network = true;
  EXPECT_EQ(sim().resolve(runtime)->argv,
            (Words{"/opt/kthena", "runtime", "--engine-base-url", "http://10.244.0.9:8000", "-P", "8100"}));
}

TEST(ImageCatalog, ABoostersNameIsServedWhenTheEngineNamesNone) {
  auto c = container("openeuler/vllm-ascend:latest", {"python3", "-m", "vllm.entrypoints.openai.api_server"},
                     {"--model", "/cache/d143"});
  c.pod_labels = {{"workload.serving.volcano.sh/model-name", "qwen25"}};
  auto r = sim().resolve(c);
  ASSERT_TRUE(r);
  EXPECT_TRUE(contains(r->argv, {"--served-model-name", "/cache/d143", "qwen25", "--port", "8000"}));
  c.args = {"--model", "/cache/d143", "--served-model-name", "chosen"};
  EXPECT_TRUE(contains(sim().resolve(c)->argv, {"--served-model-name", "chosen", "--port"}));
}

TEST(ImageCatalog, PeersSimulatorImages) {
  // Upstream's e2e tests: Dynamo's mocker takes its model from MODEL_NAME; sglang-inference-sim is SGLang-flavoured.
  auto mocker = container("ghcr.io/faust-benchou/dynamo-mocker-vllm:latest");
  mocker.env = {{"MODEL_NAME", "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B"}};
  mocker.ports = {8000};
  EXPECT_EQ(sim().resolve(mocker)->argv, (Words{"/opt/kthena", "engine-sim", "--engine", "vllm", "--model",
                                                "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B", "--port", "8000"}));
  auto sglang_sim = container("ghcr.io/faust-benchou/sglang-inference-sim:0.1.1", {},
                              {"--model=kthena-mock-sglang", "--served-model-name=Qwen/Qwen3-8B", "--port=30000",
                               "--mode=echo", "--time-to-first-token=0ms", "--disaggregation-mode=prefill"});
  auto r = sim().resolve(sglang_sim);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->argv, (Words{"/opt/kthena", "engine-sim", "--engine", "sglang", "--model", "kthena-mock-sglang",
                            "--served-model-name", "Qwen/Qwen3-8B", "--port", "30000", "--disaggregation-mode",
                            "prefill", "--max-model-len", "1024", "--max-num-seqs", "5"}));
  EXPECT_NE(r->note.find("ignored: --time-to-first-token=0ms"), std::string::npos) << r->note;
  EXPECT_TRUE(contains(sim().resolve(container("ghcr.io/llm-d/llm-d-inference-sim:v0.9.0", {}, {"--model", "m"}))->argv,
                       {"--engine", "vllm", "--model", "m", "--port", "8000"}));
}

TEST(ImageCatalog, RayWorkersIdle) {
  auto c =
      container("vllm/vllm-openai:latest", {"sh", "-c"},
                {"bash /vllm-workspace/examples/online_serving/multi-node-serving.sh worker --ray_address=10.0.0.1"});
  auto r = sim().resolve(c);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->argv, (Words{"sh", "-c", "trap 'exit 0' TERM INT; sleep infinity & wait"}));
  EXPECT_NE(r->note.find("Ray worker"), std::string::npos);
  EXPECT_FALSE(r->engine_sim);
}

TEST(ImageCatalog, AnEngineImageWhoseCommandRunsNoEngineIsAPodError) {
  auto r = sim().resolve(container("vllm/vllm-openai:latest", {"sh", "-c", "sleep 3600"}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_NE(r.error().message.find("ErrImagePull: image vllm/vllm-openai:latest"), std::string::npos);
  EXPECT_NE(r.error().message.find("sleep 3600"), std::string::npos);
  EXPECT_FALSE(sim().resolve(container("vllm/vllm-openai:latest", {"sh", "-c", "echo 'x"})));
}

TEST(ImageCatalog, NginxServesItsWelcomePageOnTheContainerPort) {
  auto c = container("docker.io/library/nginx:1.28");
  c.ports = {8080};
  auto r = sim().resolve(c);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->argv.size(), 7u);
  EXPECT_TRUE(r->argv[0].ends_with("nginx"));
  EXPECT_EQ(Words(r->argv.begin() + 1, r->argv.end()),
            (Words{"-p", "/var/lib/kthena/pods/p1/c1", "-c", "/var/lib/kthena/pods/p1/c1/nginx.conf", "-e", "stderr"}));
  ASSERT_EQ(r->files.size(), 2u);
  EXPECT_EQ(r->files[0].first, "/var/lib/kthena/pods/p1/c1/nginx.conf");
  const std::string& conf = r->files[0].second;
  for (const char* line :
       {"daemon off;", "listen 0.0.0.0:8080;", "pid /var/lib/kthena/pods/p1/c1/nginx.pid;",
        "root /var/lib/kthena/pods/p1/c1/html;", "client_body_temp_path /var/lib/kthena/pods/p1/c1/"}) {
    EXPECT_NE(conf.find(line), std::string::npos) << line << "\n" << conf;
  }
  EXPECT_EQ(r->files[1].first, "/var/lib/kthena/pods/p1/c1/html/index.html");
  c.ports = {};
  c.shared_network = true;
  EXPECT_NE(sim().resolve(c)->files[0].second.find("listen 10.244.0.9:80;"), std::string::npos);
}

TEST(ImageCatalog, ToolImages) {
  auto redis = container("redis:7", {}, {"--maxmemory", "10mb"});
  auto r = sim().resolve(redis);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->argv[0].ends_with("redis-server"));
  EXPECT_EQ(Words(r->argv.begin() + 1, r->argv.end()),
            (Words{"--port", "6379", "--save", "", "--appendonly", "no", "--bind", "0.0.0.0", "--protected-mode", "no",
                   "--dir", "/var/lib/kthena/pods/p1/c1", "--maxmemory", "10mb"}));
  EXPECT_EQ(sim().resolve(container("python:3.12", {"python", "-c", "print(1)"}))->argv,
            (Words{"python3", "-c", "print(1)"}));
  EXPECT_EQ(sim().resolve(container("python:3.12", {}, {"python3.12", "app.py"}))->argv, (Words{"python3", "app.py"}));
  EXPECT_EQ(sim().resolve(container("curlimages/curl:8.1.0", {}, {"-s", "http://x"}))->argv,
            (Words{"curl", "-s", "http://x"}));
  EXPECT_EQ(sim().resolve(container("busybox", {"sh", "-c", "echo hi"}))->argv, (Words{"sh", "-c", "echo hi"}));
  EXPECT_EQ(sim().resolve(container("alpine:3.20"))->argv, (Words{"sh"}));
}

TEST(ImageCatalog, KthenaImages) {
  EXPECT_EQ(sim().resolve(container("ghcr.io/volcano-sh/runtime:latest", {}, {"--port", "8100"}))->argv,
            (Words{"/opt/kthena", "runtime", "--port", "8100"}));
  auto d = sim().resolve(container("kthena/downloader:latest", {}, {"--source", "hf://q", "--output-dir", "/c"}));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->argv, (Words{"/opt/kthena", "downloader", "--source", "hf://q", "--output-dir", "/c", "--dry-run"}));
  EXPECT_NE(d->note.find("--dry-run"), std::string::npos);
  // Upstream's Python images run app.py: its arguments are kept.
  EXPECT_EQ(sim()
                .resolve(container("ghcr.io/volcano-sh/runtime:v1", {"python", "kthena/runtime/app.py", "-P", "9"},
                                   {"-E", "vllm"}))
                ->argv,
            (Words{"/opt/kthena", "runtime", "-P", "9", "-E", "vllm"}));
}

TEST(ImageCatalog, UnmappedImages) {
  auto r = sim().resolve(container("example.com/tools/thing:2", {"/usr/bin/thing", "--serve"}, {"--x"}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->argv, (Words{"/usr/bin/thing", "--serve", "--x"}));
  EXPECT_NE(r->note.find("not in the catalogue"), std::string::npos);
  auto e = sim().resolve(container("example.com/tools/thing:2", {}, {"--x"}));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(std::string(kImageErrorReason), "ErrImagePull");
  EXPECT_NE(e.error().message.find("ErrImagePull: image example.com/tools/thing:2 has no host command"),
            std::string::npos);
  EXPECT_NE(e.error().message.find("node config's images"), std::string::npos);
}

TEST(ImageCatalog, ConfigEntriesComeBeforeTheProfile) {
  auto catalog = ImageCatalog::from_config(Json::parse(R"([
      {"image": "nginx:1.28", "command": ["/opt/nginx/run"], "env": {"A": "1"}},
      {"image": "registry.local/engines/*", "kind": "vllm"},
      {"image": "example.com/sgl", "kind": "sglang", "command": ["/other/kthena", "engine-sim"]}])"),
                                           ImageCatalog::simulation("/opt/kthena"));
  ASSERT_TRUE(catalog) << catalog.error().to_string();
  auto r = catalog->resolve(container("nginx:1.28", {}, {"-x"}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->argv, (Words{"/opt/nginx/run", "-x"}));
  EXPECT_EQ(r->env, (std::vector<std::pair<std::string, std::string>>{{"A", "1"}}));
  // Other tags still reach the profile.
  EXPECT_EQ(catalog->resolve(container("nginx:1.27"))->files.size(), 2u);
  EXPECT_EQ(catalog->resolve(container("registry.local/engines/my-vllm:3", {}, {"/m"}))->argv,
            (Words{"/opt/kthena", "engine-sim", "--engine", "vllm", "--model", "/m", "--port", "8000"}));
  EXPECT_EQ(catalog->resolve(container("example.com/sgl"))->argv,
            (Words{"/other/kthena", "engine-sim", "--engine", "sglang", "--port", "30000"}));
}

TEST(ImageCatalog, ConfigErrorsNameTheEntry) {
  auto error_of = [](const char* json) {
    auto r = ImageCatalog::from_config(Json::parse(json), ImageCatalog::simulation("/k"));
    return r ? std::string("ok") : r.error().to_string();
  };
  EXPECT_EQ(error_of(R"({})"), "images: expected a list");
  EXPECT_EQ(error_of(R"([1])"), "images[0]: expected an object");
  EXPECT_EQ(error_of(R"([{"command": ["x"]}])"),
            "images[0].image: required: an image reference, or a prefix ending in '*'");
  EXPECT_EQ(error_of(R"([{"image": "a", "command": ["x"]}, {"image": "b"}])"),
            "images[1].command: required (or a kind)");
  EXPECT_EQ(error_of(R"([{"image": "a", "command": []}])"), "images[0].command: expected a non-empty list of strings");
  EXPECT_EQ(error_of(R"([{"image": "a", "command": ["x", 1]}])"), "images[0].command[1]: expected a string");
  EXPECT_EQ(error_of(R"([{"image": "a", "command": ["x"], "env": {"A": 1}}])"), "images[0].env.A: expected a string");
  EXPECT_EQ(error_of(R"([{"image": "a", "command": ["x"], "cmd": 1}])"),
            "images[0].cmd: unknown field (known: image, command, kind, env)");
  EXPECT_NE(error_of(R"([{"image": "a", "kind": "vlm"}])").find("images[0].kind: unknown kind \"vlm\" (known: vllm, "),
            std::string::npos);
}

}  // namespace
}  // namespace kthena::node
