// The compiled schemas of one set of schema files: every named definition, and any inline node compiled against
// them. Loading checks everything once: unknown keywords, dangling `$ref`s, patterns and CEL rules that do not
// compile are errors naming the file and the path of the offending node. After loading the set is immutable and
// may be shared by any number of threads.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/json.h"
#include "api/schema/schema.h"
#include "common/result.h"

namespace kthena::api {

class SchemaSet {
 public:
  // `definitions` maps a definition name to its node as written, and `origin` names the file it came from.
  struct Definition {
    std::string name;
    Json node;
    std::string origin;
  };
  static Result<SchemaSet> build(std::vector<Definition> definitions);

  SchemaSet(SchemaSet&&) noexcept = default;
  SchemaSet& operator=(SchemaSet&&) noexcept = default;

  // Compiles a node that is not a definition (a kind's `schema:`), resolving refs against this set. `where` names
  // the node in errors. Not thread-safe: call while loading, before the set is shared.
  Result<const Schema*> compile(const Json& node, const std::string& where);

  const Schema* definition(std::string_view name) const;
  const Json* definition_source(std::string_view name) const;
  std::vector<std::string> definition_names() const;

  // The node with every `$ref` replaced by the definition it names, recursively (a ref's own `description`
  // wins over the definition's), as CustomResourceDefinitions need.
  Json inline_refs(const Json& node) const;

 private:
  SchemaSet() = default;
  Result<const Schema*> compile_node(const Json& node, const std::string& where);
  Result<const Schema*> resolve(const std::string& name, const std::string& where);
  Json inline_refs_at(const Json& node, int depth) const;

  struct State {
    std::deque<Schema> arena;  // stable addresses: nodes point at each other
    std::map<std::string, Definition, std::less<>> sources;
    std::map<std::string, const Schema*, std::less<>> compiled;
  };
  std::unique_ptr<State> state_;
};

}  // namespace kthena::api
