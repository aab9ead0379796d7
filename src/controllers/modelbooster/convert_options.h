// What conversion takes from the controller's configuration rather than from the ModelBooster (spec
// kthena-workload.md §2.1: ConfigMap model-booster-controller-config).
#pragma once

#include <string>

namespace kthena::controllers::modelbooster {

struct ConvertOptions {
  std::string downloader_image = "kthena/downloader:latest";  // model_serving_downloader_image
  std::string runtime_image = "kthena/runtime:latest";        // model_serving_runtime_image
};

}  // namespace kthena::controllers::modelbooster
