// Where the upstream conformance data is (see tests/CMakeLists.txt). Tests that need it call
// KTHENA_REQUIRE_CONFORMANCE(dir), which skips when the folder is absent unless KTHENA_CONFORMANCE_REQUIRED=1.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace kthena::testing {

inline std::filesystem::path conformance_dir() {
  const char* env = std::getenv("KTHENA_CONFORMANCE_DIR");
  return std::filesystem::path(env && *env ? env : KTHENA_DEFAULT_CONFORMANCE_DIR);
}

inline bool conformance_required() {
  const char* env = std::getenv("KTHENA_CONFORMANCE_REQUIRED");
  return env && std::string(env) == "1";
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every file under `root` whose extension is one of `extensions`, sorted.
inline std::vector<std::filesystem::path> files_under(const std::filesystem::path& root,
                                                      const std::vector<std::string>& extensions) {
  std::vector<std::filesystem::path> out;
  if (!std::filesystem::exists(root)) return out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    for (const std::string& ext : extensions) {
      if (entry.path().extension() == ext) out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace kthena::testing

#define KTHENA_REQUIRE_CONFORMANCE(dir)                                                               \
  do {                                                                                                \
    if (!std::filesystem::exists(dir)) {                                                              \
      if (::kthena::testing::conformance_required()) FAIL() << "conformance data missing: " << (dir); \
      GTEST_SKIP() << "conformance data not found at " << (dir);                                      \
    }                                                                                                 \
  } while (0)
