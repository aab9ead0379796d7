// A fresh `kthena apiserver` process per test and the real kubectl against it: the fixture of the kubectl suites.
#pragma once

#include <fstream>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "e2e/apiserver_process.h"
#include "unit/apiserver/storage/temp_dir.h"

namespace kthena::testing {

class KubectlFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ApiServerProcess>(dir_.path() / "data");
    ASSERT_TRUE(server_->start()) << "apiserver did not start; log: "
                                  << run_command("cat " + server_->log_path().string()).out;
  }
  std::string write(const std::string& name, const std::string& text) {
    auto path = dir_.path() / name;
    std::ofstream(path) << text;
    return path.string();
  }
  CommandResult kubectl(const std::string& args) { return server_->kubectl(args); }
  // Runs `kubectl args` and expects success, returning its output.
  std::string ok(const std::string& args) {
    auto r = kubectl(args);
    EXPECT_EQ(r.exit_code, 0) << "kubectl " << args << "\n" << r.out;
    return r.out;
  }

  TempDir dir_;
  std::unique_ptr<ApiServerProcess> server_;
};

}  // namespace kthena::testing
