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
  std::vector<std::pair<std::string, std::string>> env;  // added to the container's environment
  std::vector<std::pair<std::filesystem::path, std::string>> files;  // written before start: path -> content
  std::string note;  // for the pod's events: "image vllm/vllm-openai:v0.10.0 runs on kthena engine-sim (vLLM)"
};

// The container as the agent resolved it: the image, and command/args with $(VAR) already expanded.
struct ContainerRun {
  std::string image;
  std::vector<std::string> command;  // empty: the image's entrypoint
  std::vector<std::string> args;
  std::vector<int> ports;                  // containerPorts, in order
  std::filesystem::path scratch_dir;       // a folder of the container's own, for generated config files
  std::string pod_ip;                      // where a server should listen when the image's program needs to be told
  std::vector<std::pair<std::string, std::string>> env;  // the container's environment (engines read some flags there)
};

class ImageCatalog {
 public:
  // The built-in simulation profile; `kthena` is the path of the kthena binary (engine-sim, runtime, downloader).
  static ImageCatalog simulation(std::filesystem::path kthena);
  // A catalogue from the node config: [{image: "<reference or prefix*>", command: [...], env: {...}}], looked up
  // before the profile it extends (`base`). Errors name the entry ("images[2].command: required").
  static Result<ImageCatalog> from_config(const Json& images, ImageCatalog base);

  // Errors are pod errors: reason ErrImagePull and a message naming the image ("image foo/bar:1 has no host
  // command in this node's catalogue, and the container sets no command").
  Result<HostCommand> resolve(const ContainerRun& container) const;

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
