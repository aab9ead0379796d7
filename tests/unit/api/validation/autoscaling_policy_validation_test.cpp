// Every rule of the AutoscalingPolicy webhook (spec kthena-workload.md §1.5), and the v0.2.0 shapes it accepts.
#include <gtest/gtest.h>

#include "unit/api/validation/webhook_case.h"

namespace kthena::api::testing {
namespace {

// Mutation runs first in run_case, as in admission, so the base carries a complete behaviour of its own.
Json base() {
  return Json::parse(R"({
    "apiVersion": "workload.serving.volcano.sh/v1alpha1", "kind": "AutoscalingPolicy",
    "metadata": {"name": "policy", "namespace": "default"},
    "spec": {"tolerancePercent": 10,
      "metrics": [{"name": "kthena:num_requests_waiting", "targetValue": 10}],
      "behavior": {
        "scaleUp": {"stablePolicy": {"instances": 1, "percent": 100, "period": "15s", "selectPolicy": "Or", "stabilizationWindow": "0s"},
                    "panicPolicy": {"percent": 1000, "period": "10s", "panicThresholdPercent": 200, "panicModeHold": "60s"}},
        "scaleDown": {"instances": 1, "percent": 100, "period": "15s", "selectPolicy": "Or", "stabilizationWindow": "5m"}},
      "homogeneousTarget": {"target": {"targetRef": {"kind": "ModelServing", "name": "ms"}}, "minReplicas": 1, "maxReplicas": 4}}})");
}

Json disaggregated() {
  return Json::parse(R"({"targetRef": {"name": "ms"}, "roles": {
    "prefill": {"minReplicas": 1, "maxReplicas": 4, "metricSources": {"kthena:num_requests_waiting": {"pod": {}}}},
    "decode": {"minReplicas": 1, "maxReplicas": 8, "metricSources": {"kthena:num_requests_waiting": {"pod": {}}}}}})");
}

Json ratio(Json min, Json max) {
  return {{"numeratorRole", "prefill"}, {"denominatorRole", "decode"}, {"minRatio", min}, {"maxRatio", max}};
}

const Edit kNoHomogeneous{"/spec/homogeneousTarget", removed()};
const Edit kDisaggregated{"/spec/disaggregatedTarget", disaggregated()};

class AutoscalingPolicyWebhook : public ::testing::TestWithParam<WebhookCase> {};

TEST_P(AutoscalingPolicyWebhook, Rule) {
  run_case("workload.serving.volcano.sh", "AutoscalingPolicy", base(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    AutoscalingPolicy, AutoscalingPolicyWebhook,
    ::testing::ValuesIn(std::vector<WebhookCase>{
        {"valid homogeneous policy", {}, {}},
        // Metrics.
        {"fractional target", {{"/spec/metrics/0/targetValue", "500m"}}, {}},
        {"zero target",
         {{"/spec/metrics/0/targetValue", 0}},
         {"spec.metrics[0].targetValue: Invalid value: 0: metric target value must be greater than 0 and not equal to "
          "infinity"}},
        {"negative target", {{"/spec/metrics/0/targetValue", "-1"}}, {"spec.metrics[0].targetValue"}},
        {"infinite target", {{"/spec/metrics/0/targetValue", "1e400"}}, {"not equal to infinity"}},
        {"duplicate metric names",
         {{"/spec/metrics/1", {{"name", "kthena:num_requests_waiting"}, {"targetValue", 5}}}},
         {"spec.metrics[1].name: Invalid value: \"kthena:num_requests_waiting\": duplicate metric name "
          "kthena:num_requests_waiting is not allowed"}},
        {"two metrics", {{"/spec/metrics/1", {{"name", "gpu_cache_usage"}, {"targetValue", "800m"}}}}, {}},
        // Targets.
        {"no target",
         {kNoHomogeneous},
         {"spec: Invalid value: 0: exactly one of homogeneousTarget, heterogeneousTarget, or disaggregatedTarget must "
          "be set"}},
        {"two targets", {kDisaggregated}, {"spec: Invalid value: 2: exactly one of"}},
        {"targetRef of another kind",
         {{"/spec/homogeneousTarget/target/targetRef/kind", "Deployment"}},
         {"spec.homogeneousTarget.target.targetRef.kind: Invalid value: \"Deployment\": targetRef.kind must be "
          "ModelServing, but got Deployment"}},
        {"targetRef without kind", {{"/spec/homogeneousTarget/target/targetRef/kind", removed()}}, {}},
        {"targetRef without name",
         {{"/spec/homogeneousTarget/target/targetRef/name", ""}},
         {"spec.homogeneousTarget.target.targetRef.name: Invalid value: \"\": targetRef.name must be set, but got "
          "empty"}},
        {"heterogeneous target",
         {kNoHomogeneous,
          {"/spec/heterogeneousTarget",
           {{"params", {{{"target", {{"targetRef", {{"name", "a"}}}}}, {"minReplicas", 0}, {"maxReplicas", 2}}}}}}},
         {}},
        {"heterogeneous param without name",
         {kNoHomogeneous,
          {"/spec/heterogeneousTarget", {{"params", {{{"target", {{"targetRef", {{"kind", "ModelServing"}}}}}}}}}}},
         {"spec.heterogeneousTarget.params[0].target.targetRef.name"}},
        {"homogeneous without metrics",
         {{"/spec/metrics", Json::array()}},
         {"spec.metrics: Required value: at least one metric must be set"}},
        // Disaggregated targets.
        {"disaggregated target", {kNoHomogeneous, kDisaggregated}, {}},
        {"disaggregated target without top-level metrics",
         {kNoHomogeneous, kDisaggregated, {"/spec/metrics", removed()}},
         {"spec.disaggregatedTarget.roles[prefill].metrics: Required value: metrics must be set on every non-fixed "
          "role "
          "when spec.metrics is empty"}},
        {"fixed role needs no metrics",
         {kNoHomogeneous,
          kDisaggregated,
          {"/spec/metrics", removed()},
          {"/spec/disaggregatedTarget/roles/prefill", {{"minReplicas", 2}, {"maxReplicas", 2}}},
          {"/spec/disaggregatedTarget/roles/decode", {{"minReplicas", 1}, {"maxReplicas", 1}}}},
         {}},
        {"role bounds inverted",
         {kNoHomogeneous, kDisaggregated, {"/spec/disaggregatedTarget/roles/decode/minReplicas", 9}},
         {"spec.disaggregatedTarget.roles[decode].minReplicas: Invalid value: 9: minReplicas must be <= maxReplicas"}},
        {"role metrics",
         {kNoHomogeneous,
          kDisaggregated,
          {"/spec/disaggregatedTarget/roles/prefill/metrics", {{{"name", "ttft"}, {"targetValue", 2}}}},
          {"/spec/disaggregatedTarget/roles/prefill/metricSources", {{"ttft", {{"pod", Json::object()}}}}}},
         {}},
        {"role metric with a zero target",
         {kNoHomogeneous,
          kDisaggregated,
          {"/spec/disaggregatedTarget/roles/prefill/metrics", {{{"name", "ttft"}, {"targetValue", 0}}}},
          {"/spec/disaggregatedTarget/roles/prefill/metricSources", {{"ttft", {{"pod", Json::object()}}}}}},
         {"spec.disaggregatedTarget.roles[prefill].metrics[0].targetValue"}},
        {"role metrics with duplicate names",
         {kNoHomogeneous,
          kDisaggregated,
          {"/spec/disaggregatedTarget/roles/prefill/metrics",
           {{{"name", "ttft"}, {"targetValue", 2}}, {{"name", "ttft"}, {"targetValue", 3}}}},
          {"/spec/disaggregatedTarget/roles/prefill/metricSources", {{"ttft", {{"pod", Json::object()}}}}}},
         {"spec.disaggregatedTarget.roles[prefill].metrics[1].name: Invalid value: \"ttft\": duplicate metric name "
          "ttft"}},
        {"role without metricSources",
         {kNoHomogeneous, kDisaggregated, {"/spec/disaggregatedTarget/roles/prefill/metricSources", removed()}},
         {"spec.disaggregatedTarget.roles[prefill].metricSources: Invalid value: 0: metricSources must be set on every "
          "non-fixed role when metrics are configured"}},
        {"metricSources key that is no metric",
         {kNoHomogeneous,
          kDisaggregated,
          {"/spec/disaggregatedTarget/roles/prefill/metricSources/other", {{"pod", Json::object()}}}},
         {"spec.disaggregatedTarget.roles[prefill].metricSources[other]: Invalid value: \"other\": metricSources key "
          "must match an effective metric name"}},
        {"disaggregated targetRef without name",
         {kNoHomogeneous, kDisaggregated, {"/spec/disaggregatedTarget/targetRef/name", ""}},
         {"spec.disaggregatedTarget.targetRef.name"}},
        // Ratio constraints.
        {"achievable ratio",
         {kNoHomogeneous, kDisaggregated, {"/spec/disaggregatedTarget/ratioConstraint", ratio("250m", "2")}},
         {}},
        {"ratio roles equal",
         {kNoHomogeneous,
          kDisaggregated,
          {"/spec/disaggregatedTarget/ratioConstraint", ratio("250m", "2")},
          {"/spec/disaggregatedTarget/ratioConstraint/denominatorRole", "prefill"}},
         {"spec.disaggregatedTarget.ratioConstraint.denominatorRole: Invalid value: \"prefill\": numeratorRole and "
          "denominatorRole must differ"}},
        {"ratio role missing",
         {kNoHomogeneous,
          kDisaggregated,
          {"/spec/disaggregatedTarget/ratioConstraint", ratio("250m", "2")},
          {"/spec/disaggregatedTarget/ratioConstraint/numeratorRole", "router"}},
         {"spec.disaggregatedTarget.ratioConstraint.numeratorRole: Invalid value: \"router\": numeratorRole must exist "
          "in roles"}},
        {"ratio bounds inverted",
         {kNoHomogeneous, kDisaggregated, {"/spec/disaggregatedTarget/ratioConstraint", ratio("3", "2")}},
         {"spec.disaggregatedTarget.ratioConstraint.minRatio: Invalid value: \"3\": minRatio must be <= maxRatio"}},
        {"ratio roles not scalable to zero together",
         {kNoHomogeneous,
          kDisaggregated,
          {"/spec/disaggregatedTarget/ratioConstraint", ratio("250m", "2")},
          {"/spec/disaggregatedTarget/roles/prefill/minReplicas", 0}},
         {"spec.disaggregatedTarget.ratioConstraint: Invalid value: \"scale-to-zero bounds\": ratio roles must be "
          "scalable-to-zero together"}},
        {"zero maxRatio",
         {kNoHomogeneous, kDisaggregated, {"/spec/disaggregatedTarget/ratioConstraint", ratio("0", "0")}},
         {"minRatio must be >= 0 and maxRatio must be > 0"}},
        {"infinite ratio",
         {kNoHomogeneous, kDisaggregated, {"/spec/disaggregatedTarget/ratioConstraint", ratio("1", "1e400")}},
         {"ratio values must be finite"}},
        {"unachievable ratio",
         {kNoHomogeneous, kDisaggregated, {"/spec/disaggregatedTarget/ratioConstraint", ratio("5", "10")}},
         {"spec.disaggregatedTarget.ratioConstraint: Invalid value: \"bounds\": ratioConstraint is not achievable "
          "within role replica bounds"}},
        // Behaviour bounds.
        {"periods of 30 minutes",
         {{"/spec/behavior/scaleDown/period", "30m"}, {"/spec/behavior/scaleUp/panicPolicy/panicModeHold", "30m"}},
         {}},
        {"scaleDown period over 30 minutes",
         {{"/spec/behavior/scaleDown/period", "30m1s"}},
         {"spec.behavior.scaleDown.period: Invalid value: \"30m1s\": stable policy period must be between 0 and 30 "
          "minutes"}},
        {"negative scaleDown window",
         {{"/spec/behavior/scaleDown/stabilizationWindow", "-1s"}},
         {"spec.behavior.scaleDown.stabilizationWindow: Invalid value: \"-1s\": stable policy stabilization window "
          "must be between 0 and 30 minutes"}},
        {"scaleUp stable window over 30 minutes",
         {{"/spec/behavior/scaleUp/stablePolicy/stabilizationWindow", "1h"}},
         {"spec.behavior.scaleUp.stablePolicy.stabilizationWindow"}},
        {"scaleUp stable period over 30 minutes",
         {{"/spec/behavior/scaleUp/stablePolicy/period", "2h"}},
         {"spec.behavior.scaleUp.stablePolicy.period"}},
        {"panic period over 30 minutes",
         {{"/spec/behavior/scaleUp/panicPolicy/period", "31m"}},
         {"spec.behavior.scaleUp.panicPolicy.period: Invalid value: \"31m\": panic policy period must be between 0 and "
          "30 minutes"}},
        {"panic hold over 30 minutes",
         {{"/spec/behavior/scaleUp/panicPolicy/panicModeHold", "31m"}},
         {"panic policy panic mode hold must be between 0 and 30 minutes"}},
        {"unparsable duration",
         {{"/spec/behavior/scaleDown/period", "soon"}},
         {"spec.behavior.scaleDown.period: Invalid value: \"soon\": time: invalid duration \"soon\""}},
        // v0.2.0 policies: metricName, and no target (a binding supplies it).
        {"v0.2.0 policy without target",
         {kNoHomogeneous, {"/spec/metrics", {{{"metricName", "kthena:num_requests_waiting"}, {"targetValue", 10}}}}},
         {}},
        {"v0.2.0 metricName with a target",
         {{"/spec/metrics/0", {{"metricName", "kthena:num_requests_waiting"}, {"targetValue", 10}}}},
         {}},
        {"v0.2.0 duplicate metricName",
         {kNoHomogeneous,
          {"/spec/metrics", {{{"metricName", "m"}, {"targetValue", 1}}, {{"metricName", "m"}, {"targetValue", 2}}}}},
         {"spec.metrics[1].metricName: Invalid value: \"m\": duplicate metric name m is not allowed"}},
        {"HEAD policy without target is not a v0.2.0 one", {kNoHomogeneous}, {"exactly one of homogeneousTarget"}},
    }),
    param_name);

}  // namespace
}  // namespace kthena::api::testing
