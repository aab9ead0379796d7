#include "apiserver/pki/serving_certificates.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>

#include <gtest/gtest.h>

#include "apiserver/pki/private_file.h"
#include "unit/apiserver/storage/temp_dir.h"

namespace kthena::apiserver {
namespace {

using testing::TempDir;

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  char buffer[512];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) out += buffer;
  pclose(pipe);
  return out;
}

unsigned mode_of(const std::filesystem::path& path) {
  struct stat st {};
  stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

TEST(ServingCertificatesTest, IssuesACaAndAServingCertificateThatOpensslVerifies) {
  TempDir dir;
  auto certs = ensure_serving_certificates(dir.path(), {"10.1.2.3", "kthena.example"});
  ASSERT_TRUE(certs) << certs.error().message;
  auto pki = dir.path() / "pki";
  EXPECT_EQ(mode_of(pki / "ca.key"), 0600u);
  EXPECT_EQ(mode_of(pki / "apiserver.key"), 0600u);
  auto verify = run("openssl verify -CAfile " + (pki / "ca.crt").string() + " " + (pki / "apiserver.crt").string());
  EXPECT_NE(verify.find(": OK"), std::string::npos) << verify;
  auto text = run("openssl x509 -noout -ext subjectAltName -in " + (pki / "apiserver.crt").string());
  for (auto name : {"DNS:localhost", "IP Address:127.0.0.1", "IP Address:10.1.2.3", "DNS:kthena.example"}) {
    EXPECT_NE(text.find(name), std::string::npos) << text;
  }
  EXPECT_EQ(*read_file(pki / "ca.crt"), certs->ca_pem);
}

TEST(ServingCertificatesTest, ReusesWhatExistsAndReissuesOnlyForANewHost) {
  TempDir dir;
  auto first = ensure_serving_certificates(dir.path(), {});
  ASSERT_TRUE(first);
  auto again = ensure_serving_certificates(dir.path(), {"127.0.0.1"});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->ca_pem, first->ca_pem);
  EXPECT_EQ(again->cert_pem, first->cert_pem);
  auto widened = ensure_serving_certificates(dir.path(), {"192.168.7.7"});
  ASSERT_TRUE(widened);
  EXPECT_EQ(widened->ca_pem, first->ca_pem) << "kubeconfigs handed out earlier keep trusting the server";
  EXPECT_NE(widened->cert_pem, first->cert_pem);
}

TEST(ServingCertificatesTest, AKeyThatDoesNotMatchItsCaIsAnError) {
  TempDir dir;
  ASSERT_TRUE(ensure_serving_certificates(dir.path(), {}));
  auto pki = dir.path() / "pki";
  std::filesystem::copy_file(pki / "apiserver.key", pki / "ca.key", std::filesystem::copy_options::overwrite_existing);
  auto broken = ensure_serving_certificates(dir.path(), {});
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("does not belong to"), std::string::npos) << broken.error().message;
}

}  // namespace
}  // namespace kthena::apiserver
