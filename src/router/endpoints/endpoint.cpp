#include "router/endpoints/endpoint.h"

#include <algorithm>

namespace kthena::router {

bool Endpoint::serves_model(std::string_view model) const {
  return std::binary_search(models.begin(), models.end(), model, std::less<>());
}

}  // namespace kthena::router
