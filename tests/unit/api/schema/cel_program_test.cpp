#include "api/schema/cel_program.h"

#include <gtest/gtest.h>

namespace kthena::api {
namespace {

Json run(std::string_view expr, const Json& self, const Json* old_self = nullptr) {
  auto p = CelProgram::compile(expr);
  EXPECT_TRUE(p.has_value()) << expr << ": " << (p ? "" : p.error().message);
  if (!p) return "<compile error>";
  auto v = p->evaluate({&self, old_self});
  if (!v) return "error: " + v.error().message;
  return *v;
}

std::string compile_error(std::string_view expr) {
  auto p = CelProgram::compile(expr);
  EXPECT_FALSE(p.has_value()) << expr;
  return p ? "" : p.error().message;
}

TEST(CelProgram, RulesFromTheKthenaSchemas) {
  Json route = Json::parse(R"({"modelName":"", "loraAdapters":["a"]})");
  EXPECT_EQ(run(R"(self.modelName != "" || size(self.loraAdapters) > 0)", route), true);
  EXPECT_EQ(run(R"(self.modelName != "" || size(self.loraAdapters) > 0)",
                Json::parse(R"({"modelName":"","loraAdapters":[]})")),
            false);
  Json target = Json::parse(R"({"modelServerName":"ms"})");
  EXPECT_EQ(run("(has(self.modelServerName) && self.modelServerName != \"\") != "
                "(has(self.externalModelProviderName) && self.externalModelProviderName != \"\")",
                target),
            true);
  Json roles = Json::parse(R"([{"name":"a"},{"name":"b"},{"name":"a"}])");
  EXPECT_EQ(run("self.all(x, self.exists_one(y, y.name == x.name))", roles), false);
  EXPECT_EQ(run("self.all(x, self.exists_one(y, y.name == x.name))", Json::parse(R"([{"name":"a"},{"name":"b"}])")),
            true);
  Json old_group = Json::parse(R"({"gangPolicy":{}})");
  EXPECT_EQ(run("!has(oldSelf.gangPolicy) || has(self.gangPolicy)", Json::object(), &old_group), false);
  Json same = {{"a", 1}};
  EXPECT_EQ(run("self == oldSelf", same, &same), true);
  EXPECT_EQ(run("!has(self.secretRef.optional) || !self.secretRef.optional",
                Json::parse(R"({"secretRef":{"optional":true}})")),
            false);
}

TEST(CelProgram, Operators) {
  Json s = Json::parse(R"({"n": 5, "f": 0.5, "s": "hello", "l": [1, 2, 3], "m": {"k": "v"}})");
  EXPECT_EQ(run("self.n * 2 + 1 == 11", s), true);
  EXPECT_EQ(run("self.n / 2", s), 2);
  EXPECT_EQ(run("self.n % 3", s), 2);
  EXPECT_EQ(run("self.f < self.n && self.n <= 5.0", s), true);
  EXPECT_EQ(run("self.s.startsWith('he') && self.s.endsWith(\"lo\") && self.s.contains('ll')", s), true);
  EXPECT_EQ(run("self.s.matches('^h.*o$')", s), true);
  EXPECT_EQ(run("size(self.s) == 5 && self.l.size() == 3 && size(self.m) == 1", s), true);
  EXPECT_EQ(run("2 in self.l && 'k' in self.m && !('x' in self.m)", s), true);
  EXPECT_EQ(run("self.n > 3 ? 'big' : 'small'", s), "big");
  EXPECT_EQ(run("self.l.map(x, x * 10)", s), Json::array({10, 20, 30}));
  EXPECT_EQ(run("self.l.filter(x, x > 1)", s), Json::array({2, 3}));
  EXPECT_EQ(run("self.l.map(x, x > 1, x + 1)", s), Json::array({3, 4}));
  EXPECT_EQ(run("self.l.exists(x, x == 3) && !self.l.all(x, x > 1)", s), true);
  EXPECT_EQ(run("self.m.all(k, k == 'k')", s), true);
  EXPECT_EQ(run("self.l[1] == 2 && self.m['k'] == 'v'", s), true);
  EXPECT_EQ(run("[1, 2] + [3] == self.l", s), true);
  EXPECT_EQ(run("{'a': 1}.a", s), 1);
  EXPECT_EQ(run("-self.n", s), -5);
  EXPECT_EQ(run("int('42') + int(2.9)", s), 44);
  EXPECT_EQ(run("string(7) + 'x'", s), "7x");
  EXPECT_EQ(run("'A-b'.lowerAscii()", s), "a-b");
  EXPECT_EQ(run("['a','b'].join(',')", s), "a,b");
  EXPECT_EQ(run("r'\\d' == '\\\\d'", s), true);
  EXPECT_EQ(run("0x10 == 16 && 1u == 1", s), true);
}

TEST(CelProgram, ErrorsAbsorbedByLogicalOperators) {
  Json s = Json::object();
  EXPECT_EQ(run("false && self.missing", s), false);
  EXPECT_EQ(run("self.missing || true", s), true);
  EXPECT_EQ(run("self.missing", s), "error: no such key: missing");
  EXPECT_EQ(run("1 / 0", s), "error: division by zero");
  EXPECT_EQ(run("[1][3]", s), "error: index out of bounds: 3");
  EXPECT_EQ(run("9223372036854775807 + 1", s), "error: integer overflow");
  EXPECT_EQ(run("'a' < 1", s), "error: no such overload");
  EXPECT_EQ(run("[1, 'x'].all(x, x > 0)", s), "error: no such overload");
  EXPECT_EQ(run("[1, 'x', -1].all(x, x > 0)", s), false);
}

TEST(CelProgram, CompileErrorsNameTheColumn) {
  EXPECT_EQ(compile_error("self.a +"), "unexpected end of expression at column 9");
  EXPECT_EQ(compile_error("foo(self)"), "undeclared reference to 'foo' (in container '') at column 1");
  EXPECT_EQ(compile_error("self.x.quantity()"), "undeclared reference to 'quantity' (in container '') at column 8");
  EXPECT_EQ(compile_error("other == 1"), "undeclared reference to 'other' (in container '') at column 1");
  EXPECT_EQ(compile_error("has(self)"), "invalid argument to has() macro at column 1");
  EXPECT_EQ(compile_error("self.matches('(')"), "error parsing regexp: missing closing ): `(` at column 14");
  EXPECT_EQ(compile_error("(self"), "expected ')', found 'end of expression' at column 6");
  EXPECT_EQ(compile_error("'abc"), "unterminated string literal at column 1");
  EXPECT_TRUE(CelProgram::compile("self.x == oldSelf.x")->references_old_self());
  EXPECT_FALSE(CelProgram::compile("self.all(x, x > 0)")->references_old_self());
}

}  // namespace
}  // namespace kthena::api
