// The certificate authority and serving certificate of the embedded API server, generated into the data directory
// on first start and reused afterwards, so that kubeconfigs handed out earlier keep working.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"

namespace kthena::apiserver {

struct ServingCertificates {
  std::string ca_pem;    // what clients trust (kubeconfig certificate-authority-data)
  std::string cert_pem;  // the server's certificate, signed by the CA
  std::string key_pem;
};

// Loads DIR/pki/{ca.crt,ca.key,apiserver.crt,apiserver.key}, creating what is missing. The serving certificate
// names `hosts` (IP addresses or DNS names) plus localhost, 127.0.0.1 and ::1; it is re-issued by the same CA
// when a host is missing from it or it expires within 30 days. Keys are ECDSA P-256; files are mode 0600.
Result<ServingCertificates> ensure_serving_certificates(const std::filesystem::path& dir,
                                                        const std::vector<std::string>& hosts);

}  // namespace kthena::apiserver
