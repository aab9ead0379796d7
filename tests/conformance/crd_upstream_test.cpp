// The CRDs we ship (deploy/crds/) are structurally equal to upstream Kthena's, except for the divergences listed
// below, each of which is also in docs/compatibility.md (crd_structure.h says what "structurally" covers).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "api/codec/yaml_decoder.h"
#include "api/registry/crd_renderer.h"
#include "conformance/crd_structure.h"
#include "unit/api/conformance_dir.h"

namespace kthena::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kDeployDir = fs::path(KTHENA_SOURCE_DIR) / "deploy" / "crds";

// A schema node where we differ from upstream on purpose. `path` is exact, or ends in "/**" to cover that node
// and everything below it.
struct Divergence {
  std::string path;
  std::string why;
};

struct UpstreamCrd {
  std::string file;      // our file in deploy/crds, named as upstream names it
  std::string upstream;  // relative to the conformance dir
  std::vector<Divergence> divergences;
  std::vector<Divergence> extra_columns;  // printer columns we add (`path` is the column name)
};

const std::string kV020 = "v0.2.0 manifests: ";
const std::string kEphemeralMeta = "ephemeral volume claim templates keep their metadata (upstream prunes all of it)";

std::vector<UpstreamCrd> upstream_crds() {
  const std::string head = "kthena/HEAD/charts/kthena/charts/";
  return {
      {"networking.serving.volcano.sh_modelroutes.yaml",
       head + "networking/crds/networking.serving.volcano.sh_modelroutes.yaml",
       {}},
      {"networking.serving.volcano.sh_modelservers.yaml",
       head + "networking/crds/networking.serving.volcano.sh_modelservers.yaml",
       {}},
      {"networking.serving.volcano.sh_externalmodelproviders.yaml",
       head + "networking/crds/networking.serving.volcano.sh_externalmodelproviders.yaml",
       {}},
      {"workload.serving.volcano.sh_modelboosters.yaml",
       head + "workload/crds/workload.serving.volcano.sh_modelboosters.yaml",
       {{".spec", kV020 + "CEL: autoscalingPolicy needs backend.minReplicas"},
        {".spec.autoscalingPolicy/**", kV020 + "spec.autoscalingPolicy"},
        {".spec.backend", kV020 + "replicas optional; CEL rules over replicas/minReplicas/maxReplicas"},
        {".spec.backend.minReplicas", kV020 + "backend.minReplicas"},
        {".spec.backend.maxReplicas", kV020 + "backend.maxReplicas"}},
       {{"Status", "the Active condition's reason: a failed booster told from a starting one (compatibility.md)"}}},
      {"workload.serving.volcano.sh_modelservings.yaml",
       head + "workload/crds/workload.serving.volcano.sh_modelservings.yaml",
       {{".spec.rolloutStrategy.rollingUpdateConfiguration.maxSurge", kV020 + "maxSurge"},
        {".spec.template.roles[].entryTemplate.spec.volumes[].ephemeral.volumeClaimTemplate.metadata/**",
         kEphemeralMeta},
        {".spec.template.roles[].workerTemplate.spec.volumes[].ephemeral.volumeClaimTemplate.metadata/**",
         kEphemeralMeta}}},
      {"workload.serving.volcano.sh_autoscalingpolicies.yaml",
       head + "workload/crds/workload.serving.volcano.sh_autoscalingpolicies.yaml",
       {{".spec.metrics[]", kV020 + "name or metricName (CEL)"},
        {".spec.metrics[].metricName", kV020 + "metricName"},
        {".spec.disaggregatedTarget.roles{}.metrics[]", kV020 + "name or metricName (CEL)"},
        {".spec.disaggregatedTarget.roles{}.metrics[].metricName", kV020 + "metricName"}}},
      // Removed upstream in v1.0.0; we serve v0.2.0's kind unchanged.
      {"workload.serving.volcano.sh_autoscalingpolicybindings.yaml",
       "kthena/v0.2.0/charts/kthena/charts/workload/crds/workload.serving.volcano.sh_autoscalingpolicybindings.yaml",
       {}},
  };
}

void PrintTo(const UpstreamCrd& u, std::ostream* os) {
  *os << u.file;
}

bool covers(const Divergence& d, const std::string& path) {
  constexpr std::string_view kSubtree = "/**";
  if (d.path.size() > kSubtree.size() &&
      d.path.compare(d.path.size() - kSubtree.size(), kSubtree.size(), kSubtree) == 0) {
    std::string root = d.path.substr(0, d.path.size() - kSubtree.size());
    return path == root || path.rfind(root + ".", 0) == 0 || path.rfind(root + "[", 0) == 0 ||
           path.rfind(root + "{", 0) == 0;
  }
  return d.path == path;
}

Json read_yaml(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto doc = api::decode_document(text.str(), path.string());
  if (!doc) ADD_FAILURE() << doc.error().to_string();
  return doc ? *doc : Json();
}

TEST(CrdConformance, EveryCrdKindIsComparedWithUpstream) {
  std::set<std::string> compared;
  for (const UpstreamCrd& u : upstream_crds()) compared.insert(u.file);
  for (const api::CrdFile& f : api::render_crds(api::KindRegistry::builtin())) {
    EXPECT_EQ(compared.count(f.file_name), 1u) << f.file_name << " has no upstream counterpart listed here";
  }
}

class UpstreamCrdTest : public ::testing::TestWithParam<UpstreamCrd> {};

TEST_P(UpstreamCrdTest, IsStructurallyEqualExceptForListedDivergences) {
  const UpstreamCrd& u = GetParam();
  fs::path upstream_path = conformance_dir() / u.upstream;
  KTHENA_REQUIRE_CONFORMANCE(upstream_path);
  Json upstream = read_yaml(upstream_path);
  ASSERT_TRUE(fs::exists(kDeployDir / u.file)) << u.file << " is missing; run `kthena crds --output-dir deploy/crds`";
  Json ours = read_yaml(kDeployDir / u.file);
  ASSERT_TRUE(ours.is_object() && upstream.is_object());

  Json envelope = crd_envelope(ours);
  for (const Divergence& extra : u.extra_columns) {
    bool found = false;
    for (Json& version : envelope["versions"]) {
      Json& columns = version["additionalPrinterColumns"];
      for (auto it = columns.begin(); it != columns.end();) {
        bool match = it->value("name", "") == extra.path;
        found |= match;
        it = match ? columns.erase(it) : it + 1;
      }
    }
    EXPECT_TRUE(found) << "listed extra printer column " << extra.path << " (" << extra.why << ") is not there";
  }
  EXPECT_EQ(envelope, crd_envelope(upstream)) << "names, scope, versions, subresources or printer columns";

  std::vector<bool> used(u.divergences.size(), false);
  for (const NodeDifference& d : compare_schemas(crd_schema(upstream), crd_schema(ours))) {
    bool expected = false;
    for (size_t i = 0; i < u.divergences.size(); ++i) {
      if (covers(u.divergences[i], d.path)) used[i] = expected = true;
    }
    EXPECT_TRUE(expected) << "unlisted difference at " << d.path << "\n  upstream: " << d.upstream.dump()
                          << "\n  ours:     " << d.ours.dump();
  }
  for (size_t i = 0; i < u.divergences.size(); ++i) {
    EXPECT_TRUE(used[i]) << "listed divergence " << u.divergences[i].path << " (" << u.divergences[i].why
                         << ") no longer differs; remove it here and in docs/compatibility.md";
  }
}

INSTANTIATE_TEST_SUITE_P(Crds, UpstreamCrdTest, ::testing::ValuesIn(upstream_crds()),
                         [](const ::testing::TestParamInfo<UpstreamCrd>& info) {
                           std::string name = info.param.file.substr(0, info.param.file.find(".yaml"));
                           for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

}  // namespace
}  // namespace kthena::testing
