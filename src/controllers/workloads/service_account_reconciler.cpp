#include "controllers/workloads/service_account_reconciler.h"

#include "controllers/workloads/workload_pods.h"

namespace kthena::controllers::workloads {

namespace res = kube::resources;

ServiceAccountReconciler::ServiceAccountReconciler(kube::SharedInformers& informers)
    : client_(informers.client()),
      namespaces_(informers.get(res::namespaces())),
      accounts_(informers.get(res::service_accounts())) {}

void ServiceAccountReconciler::watch(kube::Controller& controller) {
  controller.watch(namespaces_, kube::own_key());
  // A deleted "default" account comes back.
  controller.watch(accounts_, [](const Json& account) {
    if (str_at(account, {"metadata", "name"}) != "default") return std::vector<std::string>{};
    return std::vector<std::string>{str_at(account, {"metadata", "namespace"})};
  });
}

Result<kube::ReconcileResult> ServiceAccountReconciler::reconcile(const std::string& key) {
  ObjectPtr ns = namespaces_.cache().get(key);
  if (!ns || is_terminating(*ns) || str_at(*ns, {"status", "phase"}) == "Terminating") return kube::ReconcileResult{};
  if (accounts_.cache().get(key, "default")) return kube::ReconcileResult{};
  Json account = {
      {"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", "default"}, {"namespace", key}}}};
  auto created = client_->create(res::service_accounts(), key, account);
  // Forbidden: the namespace started terminating after the cache showed it.
  if (!created && created.error().code != ErrorCode::kAlreadyExists && created.error().code != ErrorCode::kForbidden) {
    return fail(created.error());
  }
  return kube::ReconcileResult{};
}

}  // namespace kthena::controllers::workloads
