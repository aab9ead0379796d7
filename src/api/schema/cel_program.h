// A compiled CEL expression for x-kubernetes-validations, evaluated by a small tree-walking interpreter.
//
// The subset (anything else is a compile error, so a schema using it fails to load):
//   literals      int (decimal, 0x hex; a `u` suffix reads as int), double, string ('..', "..", r'..', '''..'''),
//                 bool, null, lists [a, b], maps {"k": v}
//   variables     self, oldSelf, and macro variables
//   access        a.b, a[i], a["k"], has(a.b)
//   operators     ! - * / % + - < <= > >= == != in && || ?:   (&& and || absorb errors as CEL does)
//   functions     size(x) / x.size(), int(x), double(x), string(x), x.startsWith(s), x.endsWith(s),
//                 x.contains(s), x.matches(re) (RE2), x.lowerAscii(), x.upperAscii(), x.trim(), list.join(sep?)
//   macros        all, exists, exists_one, map (2 and 3 arguments), filter
// Values are JSON: objects are CEL maps, all integers are CEL ints, numbers with a fraction are doubles; int and
// double compare with each other (heterogeneous numeric comparison, as Kubernetes enables), but arithmetic needs
// operands of one type, as in CEL.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "api/json.h"
#include "common/result.h"

namespace kthena::api {

struct CelExpr;

// The variables of one evaluation. `old_self` is null outside transition rules.
struct CelActivation {
  const Json* self = nullptr;
  const Json* old_self = nullptr;
};

class CelProgram {
 public:
  // Errors read "<message> at column N" (1-based), naming what was expected.
  static Result<CelProgram> compile(std::string_view expression);

  // The value of the expression, or a runtime error ("no such key: x", "division by zero", "no such overload").
  Result<Json> evaluate(const CelActivation& activation) const;

  bool references_old_self() const { return uses_old_self_; }
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::shared_ptr<const CelExpr> root_;  // immutable, shared by copies
  bool uses_old_self_ = false;
};

}  // namespace kthena::api
