// The CRDs we ship (deploy/crds/) are exactly what the schemas render today, and kustomize lists them all.
#include <gtest/gtest.h>

#include <filesystem>
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

// The first line where two texts differ, for a readable failure.
std::string first_difference(const std::string& committed, const std::string& rendered) {
  std::istringstream a(committed), b(rendered);
  std::string x, y;
  for (int line = 1;; ++line) {
    bool more_a = static_cast<bool>(std::getline(a, x));
    bool more_b = static_cast<bool>(std::getline(b, y));
    if (!more_a && !more_b) return "(they differ only in the last newline)";
    if (!more_a || !more_b || x != y) {
      return "line " + std::to_string(line) + ":\n  committed: " + (more_a ? x : "<end>") +
             "\n  rendered:  " + (more_b ? y : "<end>");
    }
  }
}

Result<Json> read_yaml(const fs::path& path) {
  return api::decode_document(read_file(path), path.string());
}

TEST(CrdConformance, DeployedCrdsAreRenderedFromTheSchemas) {
  std::set<std::string> rendered;
  for (const api::CrdFile& f : api::render_crds(api::KindRegistry::builtin())) {
    rendered.insert(f.file_name);
    fs::path path = kDeployDir / f.file_name;
    ASSERT_TRUE(fs::exists(path)) << path << " is missing; run `kthena crds --output-dir deploy/crds`";
    std::string committed = read_file(path);
    if (committed != f.yaml) {
      ADD_FAILURE() << path << " is stale; run `kthena crds --output-dir deploy/crds`\n"
                    << first_difference(committed, f.yaml);
    }
  }
  std::set<std::string> present;
  for (const auto& entry : fs::directory_iterator(kDeployDir)) present.insert(entry.path().filename().string());
  present.erase("kustomization.yaml");
  EXPECT_EQ(present, rendered) << "deploy/crds holds files that no kind renders";

  auto kustomization = read_yaml(kDeployDir / "kustomization.yaml");
  ASSERT_TRUE(kustomization) << kustomization.error().to_string();
  std::set<std::string> listed;
  for (const Json& r : kustomization->value("resources", Json::array())) listed.insert(r.get<std::string>());
  EXPECT_EQ(listed, rendered) << "deploy/crds/kustomization.yaml must list every CRD";
}

TEST(CrdStructure, FoldsControllerGenArtifacts) {
  Json a = Json::parse(
      R"({"type": "string", "allOf": [{"enum": ["a", "b"]}, {"enum": ["a", "b"]}], "required": ["y", "x"]})");
  Json b = Json::parse(R"({"type": "string", "enum": ["a", "b"], "required": ["x", "y"], "description": "d"})");
  EXPECT_TRUE(compare_schemas(a, b).empty());
  Json rule1 = Json::parse(R"({"x-kubernetes-validations": [{"rule": "a ==\n  b", "message": "m"}]})");
  Json rule2 = Json::parse(R"({"x-kubernetes-validations": [{"rule": "a == b", "message": "m"}]})");
  EXPECT_TRUE(compare_schemas(rule1, rule2).empty());
}

TEST(CrdStructure, ReportsEachDifferingNode) {
  Json a = Json::parse(R"({"properties": {"x": {"type": "integer", "minimum": 0}, "y": {"type": "string"}}})");
  Json b = Json::parse(R"({"properties": {"x": {"type": "integer"}, "z": {"type": "string"}}})");
  std::vector<NodeDifference> d = compare_schemas(a, b);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].path, ".x");
  EXPECT_EQ(d[1].path, ".y");
  EXPECT_TRUE(d[1].ours.is_null());
  EXPECT_EQ(d[2].path, ".z");
  EXPECT_TRUE(d[2].upstream.is_null());
}

}  // namespace
}  // namespace kthena::testing
