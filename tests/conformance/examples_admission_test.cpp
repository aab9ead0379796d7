// Every manifest of a kind we serve, in upstream's examples (HEAD and v0.2.0) and in the manifests upstream's e2e
// suites apply, passes admission as `kubectl apply` sends it (strict field validation): schema, CEL rules and
// webhook rules together. Documents of kinds we do not serve (Deployment, Gateway, HTTPRoute...) are skipped.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "api/admission.h"
#include "api/codec/yaml_decoder.h"
#include "unit/api/conformance_dir.h"

namespace kthena::testing {
namespace {

namespace fs = std::filesystem;

// Manifests that upstream ships but that no Kubernetes API server admits, with the error that proves it.
const std::map<std::string, std::string> kKnownInvalid = {
    // Object names are DNS-1123 subdomains everywhere in Kubernetes; upper case never passes.
    {"kthena/v0.2.0/examples/model-serving/gpu-pd-disaggregation.yaml", "metadata.name: Invalid value: \"PD-sample\""},
};

struct Tally {
  int admitted = 0;
  int known_invalid = 0;
};

// Admits every document of a served kind under `root`, reporting each failure with its file and index.
Tally admit_all(const fs::path& root) {
  Tally tally;
  const api::KindRegistry& registry = api::KindRegistry::builtin();
  for (const fs::path& file : files_under(root, {".yaml", ".yml", ".json"})) {
    std::string relative = fs::relative(file, conformance_dir()).generic_string();
    auto docs = api::decode_documents(read_file(file), relative);
    if (!docs) {
      ADD_FAILURE() << relative << ": " << docs.error().to_string();
      continue;
    }
    for (size_t i = 0; i < docs->size(); ++i) {
      const Json& doc = (*docs)[i].value;
      if (!doc.is_object()) continue;
      std::string api_version = doc.value("apiVersion", "");
      std::string kind = doc.value("kind", "");
      if (registry.find_by_api_version(api_version, kind) == nullptr) continue;
      std::string where = relative + " #" + std::to_string(i) + " (" + kind + ")";
      auto admitted = api::admit(registry, doc, nullptr);
      std::string errors;
      if (!admitted) {
        errors = admitted.error().to_string();
      } else {
        for (const FieldError& e : admitted->errors) errors += "\n  " + e.to_string();
      }
      if (auto known = kKnownInvalid.find(relative); known != kKnownInvalid.end()) {
        EXPECT_NE(errors.find(known->second), std::string::npos)
            << where << " is listed as invalid (" << known->second << ") but admission said:" << errors;
        ++tally.known_invalid;
        continue;
      }
      EXPECT_EQ(errors, "") << where << " was rejected:";
      ++tally.admitted;
    }
  }
  return tally;
}

TEST(ExamplesAdmission, HeadExamples) {
  fs::path root = conformance_dir() / "kthena/HEAD/examples";
  KTHENA_REQUIRE_CONFORMANCE(root);
  Tally t = admit_all(root);
  EXPECT_GE(t.admitted, 40) << "fewer manifests than upstream ships: is the data complete?";
}

TEST(ExamplesAdmission, V020Examples) {
  fs::path root = conformance_dir() / "kthena/v0.2.0/examples";
  KTHENA_REQUIRE_CONFORMANCE(root);
  Tally t = admit_all(root);
  EXPECT_GE(t.admitted, 20);
  EXPECT_EQ(t.known_invalid, 1);
}

TEST(ExamplesAdmission, HeadEndToEndManifests) {
  fs::path root = conformance_dir() / "kthena/HEAD/test/e2e";
  KTHENA_REQUIRE_CONFORMANCE(root);
  Tally t = admit_all(root);
  EXPECT_GE(t.admitted, 20);
}

}  // namespace
}  // namespace kthena::testing
