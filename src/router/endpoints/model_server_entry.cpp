#include "router/endpoints/model_server_entry.h"

namespace kthena::router {

std::string_view to_string(ConnectorKind kind) {
  switch (kind) {
    case ConnectorKind::kHttp:
      return "http";
    case ConnectorKind::kLmcache:
      return "lmcache";
    case ConnectorKind::kNixl:
      return "nixl";
    case ConnectorKind::kMooncake:
      return "mooncake";
    case ConnectorKind::kSglang:
      return "sglang";
  }
  return "http";
}

ConnectorKind connector_for(const api::ModelServer& server) {
  if (server.spec.kv_connector) {
    switch (*server.spec.kv_connector) {
      case api::KvConnectorType::kHttp:
        return ConnectorKind::kHttp;
      case api::KvConnectorType::kLmcache:
        return ConnectorKind::kLmcache;
      case api::KvConnectorType::kNixl:
        return ConnectorKind::kNixl;
      case api::KvConnectorType::kMooncake:
        return ConnectorKind::kMooncake;
    }
  }
  return server.spec.inference_engine == api::InferenceEngine::kSglang ? ConnectorKind::kSglang : ConnectorKind::kHttp;
}

}  // namespace kthena::router
