#include "apiserver/pki/serving_certificates.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>
#include <memory>

#include "apiserver/pki/private_file.h"
#include "common/log.h"

namespace kthena::apiserver {
namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

constexpr long kCaValidityDays = 3650;
constexpr long kServingValidityDays = 365;
constexpr long kRenewBeforeDays = 30;

tl::unexpected<Error> openssl_error(std::string_view what) {
  std::string message(what);
  unsigned long code = ERR_get_error();
  if (code != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    message += ": ";
    message += buffer;
  }
  ERR_clear_error();
  return fail(ErrorCode::kInternal, std::move(message));
}

bool is_ip(const std::string& host) {
  ASN1_OCTET_STRING* ip = a2i_IPADDRESS(host.c_str());
  if (ip == nullptr) return false;
  ASN1_OCTET_STRING_free(ip);
  return true;
}

Result<KeyPtr> generate_key() {
  KeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return openssl_error("generate an EC key");
  return key;
}

Result<void> add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return openssl_error("certificate extension " + value);
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) return openssl_error("add certificate extension");
  return {};
}

// Issues a certificate for `key`, signed by `issuer_key` (self-signed when `issuer` is null).
Result<CertPtr> issue(EVP_PKEY* key, const std::string& common_name, X509* issuer, EVP_PKEY* issuer_key, long days,
                      const std::vector<std::string>& hosts) {
  CertPtr cert(X509_new());
  if (!cert) return openssl_error("allocate a certificate");
  X509_set_version(cert.get(), 2);
  std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>> serial(BN_new());
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return openssl_error("certificate serial number");
  }
  // Backdated an hour so that a client whose clock is a little behind still accepts it.
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), days * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                             -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));

  std::vector<std::pair<int, std::string>> extensions;
  extensions.push_back({NID_subject_key_identifier, "hash"});
  if (issuer == nullptr) {
    extensions.push_back({NID_basic_constraints, "critical,CA:TRUE"});
    extensions.push_back({NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature"});
  } else {
    extensions.push_back({NID_authority_key_identifier, "keyid:always"});
    extensions.push_back({NID_basic_constraints, "critical,CA:FALSE"});
    extensions.push_back({NID_key_usage, "critical,digitalSignature,keyEncipherment"});
    extensions.push_back({NID_ext_key_usage, "serverAuth"});
    std::string san;
    for (const auto& host : hosts) {
      if (!san.empty()) san += ",";
      san += (is_ip(host) ? "IP:" : "DNS:") + host;
    }
    extensions.push_back({NID_subject_alt_name, san});
  }
  for (const auto& [nid, value] : extensions) {
    if (auto r = add_extension(cert.get(), signer, nid, value); !r) return fail(r.error());
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) == 0) return openssl_error("sign the certificate");
  return cert;
}

Result<std::string> to_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return openssl_error("encode a certificate");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

Result<std::string> to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return openssl_error("encode a private key");
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

Result<CertPtr> parse_cert(const std::string& pem, const std::filesystem::path& from) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  CertPtr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return openssl_error("parse the certificate in " + from.string());
  return cert;
}

Result<KeyPtr> parse_key(const std::string& pem, const std::filesystem::path& from) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return openssl_error("parse the private key in " + from.string());
  return key;
}

bool covers(X509* cert, const std::string& host) {
  if (is_ip(host)) return X509_check_ip_asc(cert, host.c_str(), 0) == 1;
  return X509_check_host(cert, host.c_str(), host.size(), 0, nullptr) == 1;
}

bool expires_soon(X509* cert) {
  time_t horizon = std::time(nullptr) + kRenewBeforeDays * 24 * 3600;
  return X509_cmp_time(X509_get0_notAfter(cert), &horizon) < 0;
}

}  // namespace

Result<ServingCertificates> ensure_serving_certificates(const std::filesystem::path& dir,
                                                        const std::vector<std::string>& extra_hosts) {
  auto pki = dir / "pki";
  std::error_code ec;
  std::filesystem::create_directories(pki, ec);
  if (ec) return fail(ErrorCode::kIo, "create " + pki.string() + ": " + ec.message());
  std::filesystem::permissions(pki, std::filesystem::perms::owner_all, ec);

  std::vector<std::string> hosts = {"localhost", "127.0.0.1", "::1"};
  for (const auto& host : extra_hosts) {
    if (!host.empty() && std::find(hosts.begin(), hosts.end(), host) == hosts.end()) hosts.push_back(host);
  }

  const auto ca_cert_path = pki / "ca.crt";
  const auto ca_key_path = pki / "ca.key";
  const auto cert_path = pki / "apiserver.crt";
  const auto key_path = pki / "apiserver.key";

  CertPtr ca_cert;
  KeyPtr ca_key;
  ServingCertificates out;
  if (std::filesystem::exists(ca_cert_path) && std::filesystem::exists(ca_key_path)) {
    auto cert_pem = read_file(ca_cert_path);
    auto key_pem = read_file(ca_key_path);
    if (!cert_pem) return fail(cert_pem.error());
    if (!key_pem) return fail(key_pem.error());
    auto cert = parse_cert(*cert_pem, ca_cert_path);
    auto key = parse_key(*key_pem, ca_key_path);
    if (!cert) return fail(cert.error());
    if (!key) return fail(key.error());
    if (X509_check_private_key(cert->get(), key->get()) != 1) {
      return fail(ErrorCode::kIo, ca_key_path.string() + " does not belong to " + ca_cert_path.string());
    }
    ca_cert = std::move(*cert);
    ca_key = std::move(*key);
    out.ca_pem = std::move(*cert_pem);
  } else {
    auto key = generate_key();
    if (!key) return fail(key.error());
    auto cert = issue(key->get(), "kthena-ca", nullptr, key->get(), kCaValidityDays, {});
    if (!cert) return fail(cert.error());
    auto cert_pem = to_pem(cert->get());
    auto key_pem = to_pem(key->get());
    if (!cert_pem || !key_pem) return fail(!cert_pem ? cert_pem.error() : key_pem.error());
    if (auto r = write_private_file(ca_key_path, *key_pem); !r) return fail(r.error());
    if (auto r = write_private_file(ca_cert_path, *cert_pem); !r) return fail(r.error());
    // A new CA invalidates any serving certificate signed by an old one.
    std::filesystem::remove(cert_path, ec);
    ca_cert = std::move(*cert);
    ca_key = std::move(*key);
    out.ca_pem = std::move(*cert_pem);
    spdlog::info("apiserver: generated a certificate authority in {}", pki.string());
  }

  if (std::filesystem::exists(cert_path) && std::filesystem::exists(key_path)) {
    auto cert_pem = read_file(cert_path);
    auto key_pem = read_file(key_path);
    if (!cert_pem) return fail(cert_pem.error());
    if (!key_pem) return fail(key_pem.error());
    auto cert = parse_cert(*cert_pem, cert_path);
    auto key = parse_key(*key_pem, key_path);
    bool usable = cert && key && X509_check_private_key(cert->get(), key->get()) == 1 &&
                  X509_verify(cert->get(), ca_key.get()) == 1 && !expires_soon(cert->get()) &&
                  std::all_of(hosts.begin(), hosts.end(), [&](const std::string& h) { return covers(cert->get(), h); });
    if (usable) {
      out.cert_pem = std::move(*cert_pem);
      out.key_pem = std::move(*key_pem);
      return out;
    }
  }
  auto key = generate_key();
  if (!key) return fail(key.error());
  auto cert = issue(key->get(), "kthena-apiserver", ca_cert.get(), ca_key.get(), kServingValidityDays, hosts);
  if (!cert) return fail(cert.error());
  auto cert_pem = to_pem(cert->get());
  auto key_pem = to_pem(key->get());
  if (!cert_pem || !key_pem) return fail(!cert_pem ? cert_pem.error() : key_pem.error());
  if (auto r = write_private_file(key_path, *key_pem); !r) return fail(r.error());
  if (auto r = write_private_file(cert_path, *cert_pem); !r) return fail(r.error());
  spdlog::info("apiserver: issued a serving certificate for {}", fmt::join(hosts, ", "));
  out.cert_pem = std::move(*cert_pem);
  out.key_pem = std::move(*key_pem);
  return out;
}

}  // namespace kthena::apiserver
