#include "ctl/status.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "api/codec/json_decoder.h"
#include "api/json_fields.h"
#include "common/prometheus_text.h"
#include "ctl/booster_progress.h"
#include "ctl/columns.h"
#include "ctl/conditions.h"
#include "ctl/resource_kinds.h"

namespace kthena::ctl {
namespace {

using api::lenient::member;
using api::lenient::str;

std::string name_of(const Json& object) {
  return str(member(object, "metadata"), "name");
}
std::string ns_of(const Json& object) {
  return str(member(object, "metadata"), "namespace");
}
std::string label(const Json& object, std::string_view key) {
  return str(member(member(object, "metadata"), "labels"), key);
}

bool owned_by_booster(const Json& object) {
  const Json& owners = member(member(object, "metadata"), "ownerReferences");
  if (!owners.is_array()) return false;
  for (const Json& owner : owners) {
    if (str(owner, "kind") == "ModelBooster") return true;
  }
  return false;
}

std::vector<Json> items_of(Json& list) {
  std::vector<Json> out;
  Json& items = list["items"];
  if (items.is_array()) {
    for (Json& item : items) out.push_back(std::move(item));
  }
  return out;
}

}  // namespace

Result<std::optional<Endpoints>> read_endpoints(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::optional<Endpoints>();
  std::ifstream in(file);
  if (!in) return fail(ErrorCode::kIo, "cannot read", file.string());
  std::stringstream text;
  text << in.rdbuf();
  auto doc = api::decode_json(text.str(), file.string());
  if (!doc) return fail(doc.error());
  if (!doc->is_object()) return fail(ErrorCode::kInvalid, "must be a JSON object", file.string());
  Endpoints endpoints{str(*doc, "apiserver"), str(*doc, "router"), str(*doc, "routerMetrics")};
  return std::optional<Endpoints>(std::move(endpoints));
}

Result<std::map<std::string, double>> requests_by_model(std::string_view metrics_text) {
  constexpr std::string_view kFamily = "kthena_router_requests_total";
  auto families = parse_prometheus_text(metrics_text);
  if (!families) return fail(families.error());
  std::map<std::string, double> totals;
  for (const MetricFamily& family : *families) {
    for (const Sample& sample : family.samples) {
      if (sample.name != kFamily) continue;
      std::string model;
      for (const auto& [key, value] : sample.labels) {
        if (key == "model") model = value;
      }
      // The parser accepted the value, so it is a float (NaN and the infinities included).
      totals[model] += std::strtod(sample.value.c_str(), nullptr);
    }
  }
  return totals;
}

std::vector<ModelStatus> model_statuses(const std::vector<Json>& boosters, const std::vector<Json>& servings,
                                        const std::vector<Json>& servers, const std::vector<Json>& routes,
                                        const std::vector<Json>& pods) {
  // The model names clients use to reach a ModelServer: the routes that target it.
  auto models_of_servers = [&](const std::string& ns, const std::set<std::string>& server_names) {
    std::vector<std::string> models;
    for (const Json& route : routes) {
      if (ns_of(route) != ns) continue;
      bool targets = false;
      const Json& rules = member(member(route, "spec"), "rules");
      if (rules.is_array()) {
        for (const Json& rule : rules) {
          const Json& targets_list = member(rule, "targetModels");
          if (!targets_list.is_array()) continue;
          for (const Json& target : targets_list) targets |= server_names.count(str(target, "modelServerName")) > 0;
        }
      }
      const std::string model = str(member(route, "spec"), "modelName");
      if (targets && !model.empty() && std::find(models.begin(), models.end(), model) == models.end()) {
        models.push_back(model);
      }
    }
    return models;
  };
  auto count_pods = [&](const std::string& ns, const Json& serving, ModelStatus& row) {
    int found = 0;
    for (const Json& pod : pods) {
      if (ns_of(pod) != ns || label(pod, kServingNameLabel) != name_of(serving)) continue;
      ++found;
      if (condition_true(pod, "Ready")) ++row.pods_ready;
    }
    row.pods_total += std::max(found, expected_pods(serving));
  };
  auto conditions_of = [](const Json& object, ModelStatus& row) {
    const Json& conditions = member(member(object, "status"), "conditions");
    if (!conditions.is_array()) return;
    for (const Json& c : conditions) {
      const std::string type = str(c, "type");
      const std::string status = str(c, "status");
      if (status == "True") row.conditions.push_back(type);
      if ((type == "Failed" && status == "True") || (type == "Available" && status == "False")) {
        const std::string message = str(c, "message");
        if (!message.empty()) row.problems.push_back(type + ": " + message);
      }
    }
  };

  std::vector<ModelStatus> rows;
  for (const Json& booster : boosters) {
    ModelStatus row{ns_of(booster), name_of(booster), "ModelBooster", booster_status(booster)};
    conditions_of(booster, row);
    for (const Json& serving : servings) {
      if (ns_of(serving) == row.ns && label(serving, kModelNameLabel) == row.name) count_pods(row.ns, serving, row);
    }
    std::set<std::string> server_names;
    for (const Json& server : servers) {
      if (ns_of(server) == row.ns && label(server, kModelNameLabel) == row.name) server_names.insert(name_of(server));
    }
    row.models = models_of_servers(row.ns, server_names);
    rows.push_back(std::move(row));
  }
  for (const Json& serving : servings) {
    if (owned_by_booster(serving)) continue;
    ModelStatus row{ns_of(serving), name_of(serving), "ModelServing", serving_status(serving)};
    conditions_of(serving, row);
    count_pods(row.ns, serving, row);
    // A ModelServer selects the serving's pods by their modelserving.volcano.sh/name label.
    std::set<std::string> server_names;
    for (const Json& server : servers) {
      const Json& match = member(member(member(server, "spec"), "workloadSelector"), "matchLabels");
      if (ns_of(server) == row.ns && str(match, kServingNameLabel) == row.name) server_names.insert(name_of(server));
    }
    row.models = models_of_servers(row.ns, server_names);
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<std::vector<ModelStatus>> collect_status(kube::KubeClient& client, std::string_view ns) {
  std::vector<std::vector<Json>> lists;
  for (const kube::Resource& resource :
       {kube::resources::model_boosters(), kube::resources::model_servings(), kube::resources::model_servers(),
        kube::resources::model_routes(), kube::resources::pods()}) {
    kube::ListOptions options;
    if (resource.plural == "pods") options.label_selector = std::string(kServingNameLabel);
    auto list = client.list(resource, ns, options);
    if (!list) return fail(list.error());
    lists.push_back(items_of(*list));
  }
  return model_statuses(lists[0], lists[1], lists[2], lists[3], lists[4]);
}

Result<std::map<std::string, double>> sample_request_rates(const std::string& metrics_url,
                                                           std::chrono::milliseconds interval) {
  // The Kubernetes client is a blocking HTTP client like any other; the router's metrics need no more.
  kube::RestConfig config;
  config.server = metrics_url;
  config.timeout = std::chrono::seconds(5);
  auto client = kube::KubeClient::create(config);
  if (!client) return fail(client.error());
  auto sample = [&]() -> Result<std::map<std::string, double>> {
    auto response = (*client)->request("GET", "");
    if (!response) return fail(response.error());
    if (response->status != 200) {
      return fail(ErrorCode::kUnavailable, fmt::format("the router's metrics answered {}", response->status),
                  metrics_url);
    }
    return requests_by_model(response->body);
  };
  const auto t0 = std::chrono::steady_clock::now();
  auto first = sample();
  if (!first) return first;
  std::this_thread::sleep_until(t0 + interval);
  auto second = sample();
  if (!second) return second;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::map<std::string, double> rates;
  for (const auto& [model, total] : *second) {
    auto before = first->find(model);
    const double delta = total - (before == first->end() ? 0.0 : before->second);
    rates[model] = delta > 0 ? delta / seconds : 0.0;
  }
  return rates;
}

void attach_rates(std::vector<ModelStatus>& rows, const std::map<std::string, double>& rates) {
  for (ModelStatus& row : rows) {
    double sum = 0;
    for (const std::string& model : row.models) {
      auto it = rates.find(model);
      if (it != rates.end()) sum += it->second;
    }
    row.rate = sum;
  }
}

void print_status(std::ostream& out, const std::vector<ModelStatus>& rows) {
  if (rows.empty()) {
    out << "No models: deploy one with `kthena apply -f FILE` or `kthena create manifest -t TEMPLATE`.\n";
    return;
  }
  Table table;
  table.headers = {"NAMESPACE", "NAME", "KIND", "STATUS", "CONDITIONS", "PODS", "MODEL", "REQ/S"};
  for (const ModelStatus& row : rows) {
    std::string conditions, models;
    for (const std::string& c : row.conditions) conditions += (conditions.empty() ? "" : ",") + c;
    for (const std::string& m : row.models) models += (models.empty() ? "" : ",") + m;
    table.rows.push_back({row.ns, row.name, row.kind, row.status, conditions.empty() ? "-" : conditions,
                          fmt::format("{}/{}", row.pods_ready, row.pods_total), models.empty() ? "-" : models,
                          row.rate ? fmt::format("{:.1f}", *row.rate) : "?"});
  }
  print_table(out, table);
  for (const ModelStatus& row : rows) {
    for (const std::string& problem : row.problems) out << row.ns << "/" << row.name << ": " << problem << "\n";
  }
}

}  // namespace kthena::ctl
