// Parses and checks CEL source into a CelExpr tree (see cel_program.h for the subset).
#pragma once

#include <memory>
#include <string_view>

#include "api/schema/cel_ast.h"
#include "common/result.h"

namespace kthena::api {

struct CelParse {
  std::unique_ptr<CelExpr> root;
  bool uses_old_self = false;
};

Result<CelParse> parse_cel(std::string_view source);

}  // namespace kthena::api
