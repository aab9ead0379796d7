// The YAML templates of templates/, compiled into the binary (CMakeLists.txt generates their definitions), so
// that conversion needs no files at run time.
#pragma once

#include <string_view>

namespace kthena::controllers::modelbooster {

std::string_view vllm_template();     // templates/vllm.yaml
std::string_view vllm_pd_template();  // templates/vllm_pd.yaml

}  // namespace kthena::controllers::modelbooster
