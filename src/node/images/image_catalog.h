// Images -> host commands: a node without a container runtime runs each container's process on the host, so every
// image must say what to run. A catalogue (the node config's `images:`) maps image references to host commands; the
// built-in simulation profile maps the engines (vLLM, SGLang, llm-d-inference-sim, Dynamo's mocker, Kthena's images)
// to `kthena engine-sim`, translating the engine's own command-line flags, and common tool images (nginx, redis,
// python, curl, busybox/alpine shells) to the host's programs. A container with an explicit command and an unmapped
// image runs that command on the host; an unmapped image without a command is a pod error that says so.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "api/json.h"
#include "common/result.h"

namespace kthena::node {

// What to run for one container.
struct HostCommand {
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env;              // added to the container's environment
  std::vector<std::pair<std::filesystem::path, std::string>> files;  // written before start: path -> content
  std::string note;  // for the pod's events: "image vllm/vllm-openai:v0.10.0 runs on kthena engine-sim (vLLM)"
  // Runs on kthena engine-sim, which loads no weights: the agent caps the container's probe delays.
  bool engine_sim = false;
};

// The container as the agent resolved it: the image, and command/args with $(VAR) already expanded.
struct ContainerRun {
  std::string image;
  std::vector<std::string> command;  // empty: the image's entrypoint
  std::vector<std::string> args;
  std::vector<int> ports;                                // containerPorts, in order
  std::filesystem::path scratch_dir;                     // a folder of the container's own, for generated config files
  std::string pod_ip;                                    // the pod's address (servers bind it when shared_network)
  std::vector<std::pair<std::string, std::string>> env;  // the container's environment (engines read some flags there)
  // Pods share the host's network (the pod network's loopback mode): a server binding 0.0.0.0 would take the port
  // for every pod, so servers bind pod_ip, and `localhost` in a sidecar's engine URL means pod_ip. Otherwise each
  // pod has its own namespace and servers bind 0.0.0.0, which keeps `localhost` working between its containers.
  bool shared_network = false;
  // The pod's labels: a ModelBooster's pods carry workload.serving.volcano.sh/model-name, the name their
  // ModelServer routes as when the engine sets no --served-model-name.
  std::vector<std::pair<std::string, std::string>> pod_labels;
};

// The reason of every resolve() error, for the container's waiting state (Kubernetes' reason for an image that
// cannot be had).
inline constexpr const char* kImageErrorReason = "ErrImagePull";

class ImageCatalog {
 public:
  // The built-in simulation profile; `kthena` is the path of the kthena binary (engine-sim, runtime, downloader).
  static ImageCatalog simulation(std::filesystem::path kthena);
  // A catalogue from the node config: [{image: "<reference or prefix*>", command: [...], env: {...}}], looked up
  // before the profile it extends (`base`). An entry may name a built-in translation instead of a command
  // (`kind: vllm`, see kinds()), for an engine image the profile does not know. Errors name the entry
  // ("images[2].command: required").
  static Result<ImageCatalog> from_config(const Json& images, ImageCatalog base);

  // Errors are pod errors: reason kImageErrorReason, code kNotFound, and a message naming the image and what to add
  // to the node config ("ErrImagePull: image foo/bar:1 has no host command in this node's catalogue, and the
  // container sets no command; add ..."). No I/O (files are returned, not written): safe from several threads.
  Result<HostCommand> resolve(const ContainerRun& container) const;

  // The built-in translations an entry's `kind` may name.
  static std::vector<std::string> kinds();

 private:
  // One catalogue line: an image reference, or a prefix ending in '*', and what it runs. `kind` names a built-in
  // translation ("vllm", "sglang", "nginx", ...) or is "" for a plain command with the container's args appended.
  struct Entry {
    std::string pattern;
    std::string kind;
    std::vector<std::string> command;
    std::vector<std::pair<std::string, std::string>> env;
  };
  std::vector<Entry> entries_;
  std::filesystem::path kthena_;
};

}  // namespace kthena::node
