// Where a Kubernetes API server is and how to authenticate to it: what a kubeconfig context or the in-cluster
// service account resolves to. The client (kube/client.h) is built from one of these.
#pragma once

#include <chrono>
#include <string>

namespace kthena::kube {

struct RestConfig {
  std::string server;  // "https://127.0.0.1:6443"
  std::string bearer_token;
  // A file holding the token (service-account tokens rotate): re-read by the client, preferred over bearer_token.
  std::string bearer_token_file;
  std::string ca_pem;  // trusted CA(s) for the server's certificate; empty: the system trust store
  std::string client_cert_pem;
  std::string client_key_pem;
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  // overrides the host name checked against the certificate
  std::string ns = "default";   // the context's namespace
  std::string user_agent = "kthena";
  // The longest one request may take, from connecting to the last byte of the answer, as client-go's Timeout; 0: no
  // overall bound (each phase still times out after 60 s). Watches are bounded by WatchOptions::idle_timeout instead.
  std::chrono::milliseconds timeout{0};
};

}  // namespace kthena::kube
