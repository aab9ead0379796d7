#include "controllers/modelbooster/kv_connector.h"

#include "api/validation/go_json.h"

namespace kthena::controllers::modelbooster {

std::string kv_connector_name(const Json& config) {
  if (!config.is_object()) return "";
  auto it = config.find("kv-transfer-config");
  if (it == config.end() || !it->is_string()) return "";
  auto transfer = api::validation::go_unmarshal_object(it->get_ref<const std::string&>());
  if (!transfer) return "";
  auto connector = transfer->find("kv_connector");
  if (connector == transfer->end() || !connector->is_string()) return "";
  return connector->get<std::string>();
}

}  // namespace kthena::controllers::modelbooster
