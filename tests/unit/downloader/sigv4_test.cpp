#include "downloader/sigv4.h"

#include <gtest/gtest.h>

namespace kthena::downloader {
namespace {

// AWS's Signature Version 4 test suite (aws-sig-v4-test-suite): the example credentials, region and service.
const SigV4Key kExampleKey{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "service"};

SigV4Request vanilla() {
  SigV4Request r;
  r.headers = {{"host", "example.amazonaws.com"}, {"x-amz-date", "20150830T123600Z"}};
  r.payload_hash = sha256_hex("");
  return r;
}

TEST(SigV4, EmptyPayloadHash) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(SigV4, GetVanilla) {
  EXPECT_EQ(sigv4_authorization(vanilla(), kExampleKey, "20150830T123600Z"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

// get-vanilla-query-order-key-case: the query is signed sorted, whatever order the URL had.
TEST(SigV4, QueryIsSortedByName) {
  SigV4Request r = vanilla();
  r.query = {{"Param2", "value2"}, {"Param1", "value1"}};
  EXPECT_EQ(sigv4_query(r.query), "Param1=value1&Param2=value2");
  std::string auth = sigv4_authorization(r, kExampleKey, "20150830T123600Z");
  EXPECT_TRUE(auth.ends_with("Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")) << auth;
}

TEST(SigV4, QueryValuesAreEscaped) {
  EXPECT_EQ(sigv4_query({{"prefix", "a b/c"}, {"list-type", "2"}}), "list-type=2&prefix=a%20b%2Fc");
}

}  // namespace
}  // namespace kthena::downloader
