#include "api/codec/yaml_decoder.h"

#include <gtest/gtest.h>

#include <cmath>

namespace kthena::api {
namespace {

Json one(std::string_view text) {
  auto v = decode_document(text, "t.yaml");
  EXPECT_TRUE(v.has_value()) << (v ? "" : v.error().to_string());
  return v ? *v : Json();
}

std::string error_of(std::string_view text) {
  auto v = decode_documents(text, "t.yaml");
  EXPECT_FALSE(v.has_value()) << "expected an error for: " << text;
  return v ? "" : v.error().to_string();
}

TEST(YamlDecoder, ResolvesScalarsLikeGoYamlV2) {
  Json v = one(R"(
a: "8900"
b: 8900
c: true
d: yes
e: off
f: ~
g:
h: null
i: 'null'
j: 1.5
k: 1e3
l: 0x1F
m: 010
n: 0o17
o: 1_000
p: 18446744073709551615
q: 99999999999999999999999
r: -9223372036854775808
s: 2001-12-14
t: .5
u: hello world
v: 09
w: 1e400
x: +12
y: n
)");
  EXPECT_EQ(v["a"], "8900");
  EXPECT_EQ(v["b"], 8900);
  EXPECT_TRUE(v["b"].is_number_integer());
  EXPECT_EQ(v["c"], true);
  EXPECT_EQ(v["d"], true);
  EXPECT_EQ(v["e"], false);
  EXPECT_TRUE(v["f"].is_null());
  EXPECT_TRUE(v["g"].is_null());
  EXPECT_TRUE(v["h"].is_null());
  EXPECT_EQ(v["i"], "null");
  EXPECT_EQ(v["j"], 1.5);
  EXPECT_TRUE(v["k"].is_number_float());
  EXPECT_EQ(v["k"], 1000.0);
  EXPECT_EQ(v["l"], 31);
  EXPECT_EQ(v["m"], 8);
  EXPECT_EQ(v["n"], 15);
  EXPECT_EQ(v["o"], 1000);
  EXPECT_TRUE(v["p"].is_number_unsigned());
  EXPECT_EQ(v["p"].get<uint64_t>(), 18446744073709551615ull);
  EXPECT_TRUE(v["q"].is_number_float());
  EXPECT_EQ(v["r"].get<int64_t>(), INT64_MIN);
  EXPECT_EQ(v["s"], "2001-12-14");
  EXPECT_EQ(v["t"], 0.5);
  EXPECT_EQ(v["u"], "hello world");
  EXPECT_TRUE(v["v"].is_number_float());
  EXPECT_EQ(v["w"], "1e400");
  EXPECT_EQ(v["x"], 12);
  EXPECT_EQ(v["y"], false);
}

TEST(YamlDecoder, KeepsNonFiniteFloats) {
  Json v = one("a: .nan\nb: .inf\nc: -.Inf\nd: '.nan'\n");
  EXPECT_TRUE(std::isnan(v["a"].get<double>()));
  EXPECT_TRUE(std::isinf(v["b"].get<double>()) && v["b"].get<double>() > 0);
  EXPECT_TRUE(v["c"].get<double>() < 0 && std::isinf(v["c"].get<double>()));
  EXPECT_EQ(v["d"], ".nan");
}

TEST(YamlDecoder, ExplicitTags) {
  Json v = one("a: !!str 123\nb: !!float 1\nc: !!int '7'\n");
  EXPECT_EQ(v["a"], "123");
  EXPECT_TRUE(v["b"].is_number_float());
  EXPECT_EQ(v["c"], 7);
  EXPECT_NE(error_of("a: !!int abc\n").find("t.yaml:1:4"), std::string::npos);
}

TEST(YamlDecoder, KeepsKeyOrderAndKeysAsWritten) {
  Json v = one("z: 1\non: 2\na: 3\n1: 4\n");
  std::vector<std::string> keys;
  for (auto& [k, _] : v.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"z", "on", "a", "1"}));
}

TEST(YamlDecoder, MultiDocumentStreamWithLines) {
  auto docs = decode_documents("a: 1\n---\nb: 2\n---\n# only a comment\n---\nc: [1, 2]\n", "t.yaml");
  ASSERT_TRUE(docs.has_value()) << docs.error().to_string();
  ASSERT_EQ(docs->size(), 4u);
  EXPECT_EQ((*docs)[0].value["a"], 1);
  EXPECT_EQ((*docs)[0].line, 1);
  EXPECT_EQ((*docs)[1].line, 2);  // a document starts at its "---"
  EXPECT_TRUE((*docs)[2].value.is_null());
  EXPECT_EQ((*docs)[3].value["c"], Json::array({1, 2}));
  EXPECT_EQ((*docs)[3].line, 6);
}

TEST(YamlDecoder, EmptyStream) {
  auto docs = decode_documents("", "t.yaml");
  ASSERT_TRUE(docs.has_value());
  EXPECT_TRUE(docs->empty());
  EXPECT_TRUE(one("# nothing\n").is_null());
}

TEST(YamlDecoder, DuplicateKeysNameTheLine) {
  std::string e = error_of("a: 1\nb:\n  c: 1\n  c: 2\n");
  EXPECT_EQ(e, "t.yaml:4:3: key \"c\" already set in map (first at line 3)");
}

TEST(YamlDecoder, AnchorsAliasesAndMergeKeys) {
  Json v = one(R"(
base: &base {x: 1, y: 2}
other: &other {y: 20, z: 30}
a: *base
b:
  <<: *base
  y: 3
c:
  y: 4
  <<: [*base, *other]
)");
  EXPECT_EQ(v["a"], (Json{{"x", 1}, {"y", 2}}));
  EXPECT_EQ(v["b"]["x"], 1);
  EXPECT_EQ(v["b"]["y"], 3);
  EXPECT_EQ(v["c"]["y"], 4);
  EXPECT_EQ(v["c"]["x"], 1);
  EXPECT_EQ(v["c"]["z"], 30);
  EXPECT_FALSE(v["b"].contains("<<"));
  EXPECT_EQ(one("a: {'<<': 1}\n")["a"]["<<"], 1);
}

TEST(YamlDecoder, MergeOfScalarIsAnError) {
  EXPECT_NE(error_of("a:\n  <<: 1\n").find("map merge requires"), std::string::npos);
}

TEST(YamlDecoder, AliasBombIsAnErrorNotAnOom) {
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c) {
    text += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) text += std::string(i ? ", *" : "*") + prev;
    text += "]\n";
    prev = c;
  }
  EXPECT_NE(error_of(text).find("too large"), std::string::npos);
}

TEST(YamlDecoder, SyntaxErrorsNameLineAndColumn) {
  std::string e = error_of("a: 1\nb: [1, 2\nc: 3\n");
  EXPECT_EQ(e.rfind("t.yaml:", 0), 0u) << e;
  e = error_of("a: 1\n b: 2\n");
  EXPECT_EQ(e.rfind("t.yaml:2:", 0), 0u) << e;
  e = error_of("a: *nope\n");
  EXPECT_EQ(e.rfind("t.yaml:1:", 0), 0u) << e;
}

TEST(YamlDecoder, RejectsControlCharactersAndBadUtf8) {
  EXPECT_EQ(error_of("a: b\x01\n"), "t.yaml:1:5: control characters are not allowed (byte 0x01)");
  EXPECT_EQ(error_of("a: \xff\n"), "t.yaml:1:4: invalid UTF-8");
}

TEST(YamlDecoder, ComplexKeysAreErrors) {
  EXPECT_NE(error_of("? [a]\n: 1\n").find("mapping keys must be scalars"), std::string::npos);
}

TEST(YamlDecoder, SniffsJson) {
  auto docs = decode_documents("  {\"a\": 1.0, \"b\": \"x\"}", "t.json");
  ASSERT_TRUE(docs.has_value());
  EXPECT_TRUE((*docs)[0].value["a"].is_number_float());
  EXPECT_EQ(error_of("{\"a\": [1}").rfind("t.yaml:1:", 0), 0u);
  EXPECT_EQ(one("{a: 1, b: [x]}"), (Json{{"a", 1}, {"b", {"x"}}}));  // flow YAML
}

// Upstream's CRDs nest forty levels deep without a single alias: size is counted once per node, not per level.
TEST(YamlDecoder, DeepDocumentsWithoutAliasesDecode) {
  std::string text = "a:\n";
  for (int i = 1; i < 60; ++i) text += std::string(2 * i, ' ') + "b" + std::to_string(i) + ":\n";
  text += std::string(120, ' ') + "x: 1\n";
  auto doc = decode_document(text, "t.yaml");
  ASSERT_TRUE(doc.has_value()) << doc.error().to_string();
  const Json* node = &(*doc)["a"];
  for (int i = 1; i < 60; ++i) node = &(*node)["b" + std::to_string(i)];
  EXPECT_EQ((*node)["x"], 1);
}

TEST(YamlDecoder, DeepNestingIsAnError) {
  std::string deep(5000, '[');
  EXPECT_FALSE(decode_yaml("a: " + deep, "t.yaml").has_value());
  std::string block;
  for (size_t i = 0; i < 3000; ++i) block += std::string(i, ' ') + "k:\n";
  EXPECT_FALSE(decode_yaml(block, "t.yaml").has_value());
}

}  // namespace
}  // namespace kthena::api
