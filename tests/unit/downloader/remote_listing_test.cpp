#include "downloader/remote_listing.h"

#include <gtest/gtest.h>

namespace kthena::downloader {
namespace {

TEST(RemoteListing, HuggingFaceSiblings) {
  auto l = parse_hf_listing(R"({"id":"a/b","sha":"0123abcd","siblings":[
    {"rfilename":".gitattributes","size":10},{"rfilename":"sub/model.safetensors"}]})");
  ASSERT_TRUE(l) << l.error().to_string();
  EXPECT_EQ(l->commit, "0123abcd");
  ASSERT_EQ(l->files.size(), 2u);
  EXPECT_EQ(l->files[0].size, 10u);
  EXPECT_EQ(l->files[1].path, "sub/model.safetensors");
  EXPECT_FALSE(l->files[1].size);
}

TEST(RemoteListing, HuggingFaceRefusals) {
  EXPECT_FALSE(parse_hf_listing("[]"));
  EXPECT_FALSE(parse_hf_listing(R"({"siblings":{}})"));
  EXPECT_FALSE(parse_hf_listing(R"({"siblings":[{"rfilename":5}]})"));
  EXPECT_FALSE(parse_hf_listing(R"({"sha":"../x","siblings":[]})"));
  EXPECT_FALSE(parse_hf_listing(R"({"siblings":[{"rfilename":"/abs"}]})"));
  EXPECT_FALSE(parse_hf_listing(std::string(100000, '[')));  // bounded nesting, no stack overflow
}

TEST(RemoteListing, ModelScopeFiles) {
  auto l = parse_ms_listing(R"({"Code":200,"Data":{"Files":[{"Path":"d","Type":"tree"},{"Path":"d/f","Size":3}]}})");
  ASSERT_TRUE(l) << l.error().to_string();
  ASSERT_EQ(l->files.size(), 1u);
  EXPECT_EQ(l->files[0].name, "d/f");
  auto e = parse_ms_listing(R"({"Code":10010205001,"Message":"model not found"})");
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("model not found"), std::string::npos);
}

TEST(RemoteListing, S3KeysAreRelativeToThePrefix) {
  auto l = parse_s3_listing(R"(<ListBucketResult><Contents><Key>p/a&lt;&#x4e2d;&#65;</Key><Size>7</Size></Contents>
    <Contents><Key>p/dir/</Key><Size>0</Size></Contents><IsTruncated>false</IsTruncated></ListBucketResult>)",
                            "p/");
  ASSERT_TRUE(l) << l.error().to_string();
  ASSERT_EQ(l->files.size(), 1u);
  EXPECT_EQ(l->files[0].name,
            "p/a<\xe4\xb8\xad"
            "A");
  EXPECT_EQ(l->files[0].path,
            "a<\xe4\xb8\xad"
            "A");
  EXPECT_EQ(l->files[0].size, 7u);
  EXPECT_FALSE(l->continuation);
}

TEST(RemoteListing, S3Refusals) {
  EXPECT_FALSE(parse_s3_listing("<Error/>", ""));
  EXPECT_FALSE(parse_s3_listing("<ListBucketResult><Contents><Key>q/x</Key></Contents></ListBucketResult>", "p/"));
  EXPECT_FALSE(parse_s3_listing("<ListBucketResult><Contents><Key>a&bogus;</Key></Contents></ListBucketResult>", ""));
  EXPECT_FALSE(parse_s3_listing("<ListBucketResult><Contents><Key>a&#0;</Key></Contents></ListBucketResult>", ""));
  EXPECT_FALSE(parse_s3_listing("<ListBucketResult><Contents><Key>../x</Key></Contents></ListBucketResult>", ""));
  EXPECT_FALSE(parse_s3_listing("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>", ""));
  EXPECT_FALSE(
      parse_s3_listing("<ListBucketResult><Contents><Key>x</Key><Size>-1</Size></Contents></ListBucketResult>", ""));
}

}  // namespace
}  // namespace kthena::downloader
