#include "http/tls.h"

#include <boost/asio/buffer.hpp>

namespace kthena::http {
namespace ssl = boost::asio::ssl;

namespace {

Result<void> step(boost::system::error_code ec, std::string_view what, std::string_view field) {
  if (ec) return fail(ErrorCode::kInvalid, std::string(what) + ": " + ec.message(), std::string(field));
  return {};
}

}  // namespace

Result<std::shared_ptr<ssl::context>> make_server_tls_context(const TlsServerOptions& options) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                   ec);
  if (auto r = step(ec, "cannot set TLS options", "tls"); !r) return tl::unexpected(r.error());
  // TLS 1.2 limited to forward-secret AEAD suites, as Go's (kube-apiserver's) defaults: OpenSSL's default list also
  // offers CBC suites (Lucky 13 and padding oracles) and static RSA key exchange. TLS 1.3's suites are all AEAD.
  if (SSL_CTX_set_cipher_list(ctx->native_handle(),
                              "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                              "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                              "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305") != 1) {
    return fail(ErrorCode::kInternal, "cannot set the TLS 1.2 cipher suites", "tls");
  }
  SSL_CTX_set_options(ctx->native_handle(), SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (!options.cert_pem.empty()) {
    ctx->use_certificate_chain(boost::asio::buffer(options.cert_pem), ec);
    if (auto r = step(ec, "cannot load certificate", "tls.cert"); !r) return tl::unexpected(r.error());
  } else {
    ctx->use_certificate_chain_file(options.cert_file, ec);
    if (auto r = step(ec, "cannot load certificate " + options.cert_file, "tls.certFile"); !r) {
      return tl::unexpected(r.error());
    }
  }
  if (!options.key_pem.empty()) {
    ctx->use_private_key(boost::asio::buffer(options.key_pem), ssl::context::pem, ec);
    if (auto r = step(ec, "cannot load private key", "tls.key"); !r) return tl::unexpected(r.error());
  } else {
    ctx->use_private_key_file(options.key_file, ssl::context::pem, ec);
    if (auto r = step(ec, "cannot load private key " + options.key_file, "tls.keyFile"); !r) {
      return tl::unexpected(r.error());
    }
  }
  if (!options.client_ca_file.empty()) {
    ctx->load_verify_file(options.client_ca_file, ec);
    if (auto r = step(ec, "cannot load client CA " + options.client_ca_file, "tls.clientCAFile"); !r) {
      return tl::unexpected(r.error());
    }
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
  }
  return ctx;
}

Result<std::shared_ptr<ssl::context>> make_client_tls_context(const TlsClientOptions& options) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  if (options.insecure_skip_verify) {
    ctx->set_verify_mode(ssl::verify_none, ec);
  } else {
    ctx->set_verify_mode(ssl::verify_peer, ec);
    if (!options.ca_pem.empty()) {
      ctx->add_certificate_authority(boost::asio::buffer(options.ca_pem), ec);
      if (auto r = step(ec, "cannot load CA certificate", "certificate-authority-data"); !r) {
        return tl::unexpected(r.error());
      }
    } else if (!options.ca_file.empty()) {
      ctx->load_verify_file(options.ca_file, ec);
      if (auto r = step(ec, "cannot load CA file " + options.ca_file, "certificate-authority"); !r) {
        return tl::unexpected(r.error());
      }
    } else {
      ctx->set_default_verify_paths(ec);
    }
  }
  if (!options.cert_pem.empty()) {
    ctx->use_certificate_chain(boost::asio::buffer(options.cert_pem), ec);
    if (auto r = step(ec, "cannot load client certificate", "client-certificate-data"); !r) {
      return tl::unexpected(r.error());
    }
  } else if (!options.cert_file.empty()) {
    ctx->use_certificate_chain_file(options.cert_file, ec);
    if (auto r = step(ec, "cannot load client certificate " + options.cert_file, "client-certificate"); !r) {
      return tl::unexpected(r.error());
    }
  }
  if (!options.key_pem.empty()) {
    ctx->use_private_key(boost::asio::buffer(options.key_pem), ssl::context::pem, ec);
    if (auto r = step(ec, "cannot load client key", "client-key-data"); !r) return tl::unexpected(r.error());
  } else if (!options.key_file.empty()) {
    ctx->use_private_key_file(options.key_file, ssl::context::pem, ec);
    if (auto r = step(ec, "cannot load client key " + options.key_file, "client-key"); !r) {
      return tl::unexpected(r.error());
    }
  }
  return ctx;
}

}  // namespace kthena::http
