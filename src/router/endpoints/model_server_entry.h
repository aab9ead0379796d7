// A ModelServer together with the pods it selects right now (kthena-router.md §5.1), split into prefill and decode
// groups when it has a pdGroup. Part of an immutable snapshot.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/types/model_server.h"
#include "router/endpoints/endpoint.h"

namespace kthena::router {

struct PdGroupPods {
  std::string value;  // the value of the pdGroup's groupKey label shared by these pods
  std::vector<const Endpoint*> prefill;
  std::vector<const Endpoint*> decode;
};

// The prefill/decode connector (kthena-router.md §6.2): spec.kvConnector.type, else sglang for SGLang, else http.
enum class ConnectorKind { kHttp, kLmcache, kNixl, kMooncake, kSglang };
std::string_view to_string(ConnectorKind kind);

struct ModelServerEntry {
  std::shared_ptr<const api::ModelServer> server;
  std::string key;                         // "namespace/name"
  std::vector<const Endpoint*> endpoints;  // eligible pods, ordered by key
  bool pd = false;                         // spec.workloadSelector.pdGroup is set
  std::vector<PdGroupPods> groups;         // pd only, ordered by group value
  std::vector<const Endpoint*> decode;     // pd only: every decode pod of every group
  std::vector<uint32_t> decode_group;      // pd only: decode[i] belongs to groups[decode_group[i]]
  ConnectorKind connector = ConnectorKind::kHttp;

  int32_t port() const { return server->spec.workload_port.port; }
};

ConnectorKind connector_for(const api::ModelServer& server);

}  // namespace kthena::router
