// TLS contexts for servers and clients (OpenSSL 3). Built once per server or client and shared by its connections.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "common/result.h"

namespace kthena::http {

struct TlsServerOptions {
  // PEM files, or PEM text inline (the text wins when both are set).
  std::string cert_file;
  std::string key_file;
  std::string cert_pem;
  std::string key_pem;
  // When set, clients must present a certificate signed by this CA (mutual TLS).
  std::string client_ca_file;
};

struct TlsClientOptions {
  std::string ca_file;  // empty: the system trust store
  std::string ca_pem;
  std::string cert_file;  // client certificate (mutual TLS)
  std::string key_file;
  std::string cert_pem;
  std::string key_pem;
  bool insecure_skip_verify = false;
  std::string server_name;  // overrides the host name used for SNI and verification
};

Result<std::shared_ptr<boost::asio::ssl::context>> make_server_tls_context(const TlsServerOptions& options);
Result<std::shared_ptr<boost::asio::ssl::context>> make_client_tls_context(const TlsClientOptions& options);

}  // namespace kthena::http
