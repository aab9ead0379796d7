// An embedded API server on a free loopback port, for tests of the client library against its real peer.
#pragma once

#include <memory>

#include <gtest/gtest.h>

#include "apiserver/api_server.h"
#include "kube/client.h"
#include "kube/kubeconfig.h"
#include "unit/apiserver/storage/temp_dir.h"
#include "unit/apiserver/test_resources.h"

namespace kthena::kube::testing {

inline apiserver::ApiModel test_model() {
  namespace t = apiserver::testing;
  std::vector<apiserver::ServedResource> out;
  for (auto info : {t::namespaces_resource(), t::configmaps_resource(), t::pods_resource(), t::modelservings_resource(),
                    t::leases_resource()}) {
    out.push_back({info, {}, {}});
  }
  return {std::move(out), {}, nullptr, nullptr};
}

class TestServer {
 public:
  // Without TLS, the server serves anonymous clients on plain HTTP, which a RecordingProxy can read.
  explicit TestServer(apiserver::StoreOptions store = {}, bool tls = true) {
    apiserver::ApiServerOptions options;
    options.data_dir = dir_.path() / "data";
    options.listen = "127.0.0.1:0";
    options.tls = tls;
    options.store = store;
    options.bookmark_interval = std::chrono::milliseconds(200);
    auto server = apiserver::ApiServer::start(options, test_model());
    EXPECT_TRUE(server) << server.error().to_string();
    if (server) server_ = std::move(*server);
  }
  apiserver::ApiServer& server() { return *server_; }
  uint16_t port() const { return server_->port(); }
  std::shared_ptr<KubeClient> client() {
    auto config = load_kubeconfig_file(server_->kubeconfig_path());
    EXPECT_TRUE(config) << config.error().to_string();
    auto client = KubeClient::create(*config);
    EXPECT_TRUE(client) << client.error().to_string();
    return *client;
  }

 private:
  ::kthena::testing::TempDir dir_;
  std::unique_ptr<apiserver::ApiServer> server_;
};

}  // namespace kthena::kube::testing
