#include "api/codec/yaml_encoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "api/codec/yaml_decoder.h"
#include "unit/api/conformance_dir.h"

namespace kthena::api {
namespace {

Json decode_one(const std::string& text) {
  auto v = decode_document(text, "out.yaml");
  EXPECT_TRUE(v.has_value()) << v.error().to_string() << "\n" << text;
  return v ? *v : Json("<error>");
}

TEST(YamlEncoder, KubectlLayout) {
  Json v = Json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"app":"x"}},
    "spec":{"containers":[{"name":"c","args":["--port","8900"],"env":[]}],"nodeSelector":{}}})");
  EXPECT_EQ(encode_yaml(v), R"(apiVersion: v1
kind: Pod
metadata:
  name: p
  labels:
    app: x
spec:
  containers:
  - name: c
    args:
    - --port
    - "8900"
    env: []
  nodeSelector: {}
)");
}

TEST(YamlEncoder, QuotesOnlyWhenNeeded) {
  Json v = Json::object();
  v["a"] = "8900";
  v["b"] = "true";
  v["c"] = "";
  v["d"] = "1e+06";
  v["e"] = "a: b";
  v["f"] = "*star";
  v["g"] = "plain:text";
  v["h"] = "yes";
  v["i"] = "2024-01-01T00:00:00Z";
  v["j"] = " lead";
  v["k"] = "tab\there";
  v["l"] = "it's";
  v["m"] = "- item";
  v["n"] = "# not a comment";  // the key `n` is quoted too: go-yaml v2 reads a plain n as false
  v["o"] = "~";
  v["p"] = "12:30";
  v["q"] = "http://x:80/a";
  EXPECT_EQ(encode_yaml(v), R"(a: "8900"
b: "true"
c: ""
d: "1e+06"
e: 'a: b'
f: '*star'
g: plain:text
h: "yes"
i: "2024-01-01T00:00:00Z"
j: ' lead'
k: "tab\there"
l: it's
m: '- item'
"n": '# not a comment'
o: "~"
p: "12:30"
q: http://x:80/a
)");
}

TEST(YamlEncoder, LiteralBlocks) {
  Json v = {{"a", "line1\nline2\n"}, {"b", "x\ny"}, {"c", "keep\n\n"}, {"d", " indented\nz"}};
  std::string text = encode_yaml(v);
  EXPECT_EQ(text, "a: |\n  line1\n  line2\nb: |-\n  x\n  y\nc: |+\n  keep\n\nd: |2-\n   indented\n  z\n");
  EXPECT_EQ(decode_one(text), v);
  Json list = {{"l", {"one\ntwo", " lead\nx\n"}}};
  EXPECT_EQ(decode_one(encode_yaml(list)), list);
}

TEST(YamlEncoder, Numbers) {
  EXPECT_EQ(format_go_float(1e6), "1e+06");
  EXPECT_EQ(format_go_float(123456.0), "123456");
  EXPECT_EQ(format_go_float(0.5), "0.5");
  EXPECT_EQ(format_go_float(1.0), "1");
  EXPECT_EQ(format_go_float(0.0001), "0.0001");
  EXPECT_EQ(format_go_float(0.00001), "1e-05");
  EXPECT_EQ(format_go_float(-2.5e-7), "-2.5e-07");
  EXPECT_EQ(format_go_float(1.2345678e8), "1.2345678e+08");
  EXPECT_EQ(format_go_float(std::numeric_limits<double>::quiet_NaN()), ".nan");
  EXPECT_EQ(format_go_float(-std::numeric_limits<double>::infinity()), "-.inf");
}

TEST(YamlEncoder, FoldsLongPlainStrings) {
  std::string words;
  for (int i = 0; i < 30; ++i) words += "word" + std::to_string(i) + " ";
  words.pop_back();
  Json v = {{"spec", {{"description", words}}}};
  std::string text = encode_yaml(v);
  EXPECT_NE(text.find("\n    word"), std::string::npos) << text;
  EXPECT_EQ(decode_one(text), v);
}

TEST(YamlEncoder, DocumentsAreSeparated) {
  EXPECT_EQ(encode_yaml_documents({Json{{"a", 1}}, Json{{"b", 2}}}), "a: 1\n---\nb: 2\n");
}

TEST(YamlEncoder, RoundTripsAwkwardValues) {
  Json v = Json::parse(R"({"": "", "k: v": "#x", "-": "-", "?q": "?", "<<": "<<", "---": "...",
    "emoji": "\ud83d\ude00", "ctl": "a\u0001b", "crlf": "a\r\nb", "sp": "a \nb", "nb": "a\n b",
    "u": 18446744073709551615, "i": -5, "f": 2.5, "n": null, "t": true,
    "nested": [[1, [2, []]], {}, [{"a": {"b": [{}]}}]], "quote'\"": "'\"", "bs": "a\\b"})");
  EXPECT_EQ(decode_one(encode_yaml(v)), v) << encode_yaml(v);
}

TEST(YamlEncoder, RoundTripsEveryConformanceManifest) {
  auto root = testing::conformance_dir() / "kthena";
  KTHENA_REQUIRE_CONFORMANCE(root);
  size_t documents = 0;
  for (const auto& path : testing::files_under(root, {".yaml", ".yml", ".json"})) {
    std::string text = testing::read_file(path);
    auto docs = decode_documents(text, path.string());
    if (!docs) {
      // Some upstream files are Helm templates or deliberately malformed: they must fail cleanly, nothing more.
      continue;
    }
    for (const Document& d : *docs) {
      ++documents;
      std::string out = encode_yaml(d.value);
      auto back = decode_document(out, "roundtrip.yaml");
      ASSERT_TRUE(back.has_value()) << path << ":" << d.line << ": " << back.error().to_string() << "\n" << out;
      EXPECT_EQ(*back, d.value) << path << ":" << d.line << "\n" << out;
      EXPECT_EQ(encode_yaml(*back), out) << path;
    }
  }
  EXPECT_GT(documents, 150u);
}

}  // namespace
}  // namespace kthena::api
