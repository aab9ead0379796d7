// `kthena status`: one screen with every model — each ModelBooster and each ModelServing no booster owns — its
// conditions, pods ready/total, its ModelRoute (the model name clients send) and the router's request rate for it.
// The rate comes from the router's kthena_router_requests_total, sampled twice a second apart, at the address
// `kthena up` writes into endpoints.json beside its kubeconfig.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "api/json.h"
#include "common/result.h"
#include "kube/client.h"

namespace kthena::ctl {

// DIR/endpoints.json of `kthena up`.
struct Endpoints {
  std::string apiserver;
  std::string router;
  std::string router_metrics;
};

// nullopt when the file does not exist; errors name the file and the member.
Result<std::optional<Endpoints>> read_endpoints(const std::filesystem::path& file);

// kthena_router_requests_total summed by its `model` label, from Prometheus text. Lines of other families and
// comments are skipped; a malformed sample line of this family is an error naming its line.
Result<std::map<std::string, double>> requests_by_model(std::string_view metrics_text);

struct ModelStatus {
  std::string ns;
  std::string name;
  std::string kind;                     // ModelBooster or ModelServing
  std::string status;                   // the STATUS column of `kthena get`
  std::vector<std::string> conditions;  // "Initialized", "Active", "!Failed"... : the True ones, by type
  std::vector<std::string> problems;    // "Failed: message" of True Failed conditions, False Available's message
  int pods_ready = 0;
  int pods_total = 0;
  std::vector<std::string> models;  // ModelRoute spec.modelName of its routes
  std::optional<double> rate;       // req/s over its routes' model names; nullopt: unknown
};

// Pure: the rows from the listed objects (every list of one namespace, or of all).
std::vector<ModelStatus> model_statuses(const std::vector<Json>& boosters, const std::vector<Json>& servings,
                                        const std::vector<Json>& servers, const std::vector<Json>& routes,
                                        const std::vector<Json>& pods);

// Lists what model_statuses() needs (`ns` "": every namespace).
Result<std::vector<ModelStatus>> collect_status(kube::KubeClient& client, std::string_view ns);

// Two samples of the router's metrics `interval` apart: requests per second by model. Errors: the router's.
Result<std::map<std::string, double>> sample_request_rates(const std::string& metrics_url,
                                                           std::chrono::milliseconds interval);

// Fills `rate` of each row from `rates` (a model the router never saw counts 0).
void attach_rates(std::vector<ModelStatus>& rows, const std::map<std::string, double>& rates);

void print_status(std::ostream& out, const std::vector<ModelStatus>& rows);

}  // namespace kthena::ctl
