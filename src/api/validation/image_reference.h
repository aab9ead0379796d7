// The container-image checks of the ModelBooster and ModelServing webhooks. They differ upstream and are kept
// apart on purpose: the booster rejects any Unicode whitespace, ModelServing only the ASCII space (both reject an
// image made only of whitespace). An empty image is fine for both: a default applies.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kthena::api::validation {

// The problem, worded as upstream ("image cannot contain whitespace"), or nullopt.
std::optional<std::string> booster_image_problem(std::string_view image);
std::optional<std::string> serving_image_problem(std::string_view image);

}  // namespace kthena::api::validation
