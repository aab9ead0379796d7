#include "api/values/name_validation.h"

#include <gtest/gtest.h>

namespace kthena::api {
namespace {

TEST(NameValidation, MessagesAsApimachinery) {
  EXPECT_TRUE(is_qualified_name("app.kubernetes.io/name").empty());
  EXPECT_EQ(is_qualified_name("-bad"),
            Messages{"name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
                     "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
                     "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"});
  EXPECT_EQ(is_qualified_name("/x")[0], "prefix part must be non-empty");
  EXPECT_EQ(is_qualified_name("a/b/c").size(), 1u);
  EXPECT_EQ(is_qualified_name("").size(), 2u);
  EXPECT_EQ(is_qualified_name(std::string(64, 'a'))[0], "name part must be no more than 63 characters");
  EXPECT_EQ(is_qualified_name("Bad_Prefix/x")[0].rfind("prefix part a lowercase RFC 1123 subdomain", 0), 0u);
  EXPECT_TRUE(is_valid_label_value("").empty());
  EXPECT_EQ(is_valid_label_value("a b")[0],
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
            "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
            "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
  EXPECT_EQ(is_dns1123_subdomain("Foo")[0],
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
            "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  EXPECT_TRUE(is_dns1123_subdomain("a.b-c.d").empty());
  EXPECT_FALSE(is_dns1123_subdomain("a..b").empty());
  EXPECT_TRUE(is_dns1035_label("abc-123").empty());
  EXPECT_EQ(is_dns1035_label("1abc")[0],
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
            "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
            "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
  EXPECT_TRUE(is_dns1123_label("123-abc").empty());
  EXPECT_FALSE(is_dns1123_label("a.b").empty());
  EXPECT_TRUE(name_is_dns_subdomain("gen-", true).empty());
  EXPECT_FALSE(name_is_dns_subdomain("gen-", false).empty());
}

}  // namespace
}  // namespace kthena::api
