// The syntax tree of a CEL expression (internal to cel_parser.cpp and cel_program.cpp).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/json.h"
#include "api/schema/regex.h"

namespace kthena::api {

struct CelExpr {
  enum class Kind {
    kLiteral,  // literal
    kIdent,    // name
    kSelect,   // target.name
    kHas,      // has(target.name)
    kIndex,    // target[args[0]]
    kCall,     // name(args...) or target.name(args...)
    kList,     // [args...]
    kMap,      // {args[0]: args[1], ...}
    kUnary,    // name(args[0]): "!" or "-"
    kBinary,   // args[0] name args[1]
    kAnd,      // args[0] && args[1]
    kOr,       // args[0] || args[1]
    kTernary,  // args[0] ? args[1] : args[2]
    kMacro,    // target.name(var, args...)
  };
  Kind kind = Kind::kLiteral;
  Json literal;
  std::string name;
  std::string var;  // macro variable
  std::unique_ptr<CelExpr> target;
  std::vector<std::unique_ptr<CelExpr>> args;
  std::optional<Regex> regex;  // matches() with a literal pattern, compiled once
  size_t column = 0;
};

}  // namespace kthena::api
