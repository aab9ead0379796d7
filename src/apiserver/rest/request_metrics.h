// What the API server answered, for /metrics in kube-apiserver's names: apiserver_request_total (by verb, group,
// version, resource, subresource, scope, component, code) and apiserver_request_duration_seconds (a histogram with
// kube-apiserver's buckets, by the same labels but code). Labels name only what the server serves: a request for an
// unknown path is counted with empty group and resource, so a client cannot grow the series without bound.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace kthena::apiserver {

struct RequestLabels {
  std::string verb;     // GET, LIST, WATCH, POST, PUT, PATCH, APPLY, DELETE, DELETECOLLECTION
  std::string dry_run;  // "All" or ""
  std::string group;
  std::string version;
  std::string resource;
  std::string subresource;
  std::string scope;  // "resource", "namespace", "cluster", or "" for non-resource paths

  auto tie() const { return std::tie(verb, dry_run, group, version, resource, subresource, scope); }
  bool operator<(const RequestLabels& other) const { return tie() < other.tie(); }
};

// Thread-safe (one mutex: an answer costs one lock).
class RequestMetrics {
 public:
  static constexpr std::array<double, 23> kBuckets{0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2,
                                                   3,     4,     5,    6,   8,   10,  15,  20,  30,  45,   60};

  void record(const RequestLabels& labels, int code, double seconds);
  // The Prometheus text exposition of both families.
  std::string exposition() const;

 private:
  struct Duration {
    std::array<uint64_t, kBuckets.size()> buckets{};  // not cumulative; summed when exposed
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<RequestLabels, int>, uint64_t> totals_;
  std::map<RequestLabels, Duration> durations_;
};

}  // namespace kthena::apiserver
