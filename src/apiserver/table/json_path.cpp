#include "apiserver/table/json_path.h"

#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace kthena::apiserver {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  tl::unexpected<Error> error(std::string_view what) const {
    return fail(ErrorCode::kInvalid, fmt::format("{} at position {} of JSONPath \"{}\"", what, pos_, text_));
  }
  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  void skip_spaces() {
    while (!done() && text_[pos_] == ' ') ++pos_;
  }
  std::string identifier() {
    size_t start = pos_;
    while (!done() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_' ||
                       text_[pos_] == '-' || text_[pos_] == '$')) {
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }
  Result<std::string> quoted() {
    char quote = peek();
    if (quote != '\'' && quote != '"') return error("expected a quoted string");
    ++pos_;
    size_t start = pos_;
    while (!done() && text_[pos_] != quote) ++pos_;
    if (done()) return error("unterminated string");
    std::string out(text_.substr(start, pos_ - start));
    ++pos_;
    return out;
  }
  Result<long> number() {
    size_t start = pos_;
    if (peek() == '-') ++pos_;
    while (!done() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    long value = 0;
    auto [ptr, ec] = std::from_chars(text_.data() + start, text_.data() + pos_, value);
    if (ec != std::errc() || ptr != text_.data() + pos_) return error("expected a number");
    return value;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

Result<JsonPath> JsonPath::parse(std::string_view expression) {
  JsonPath path;
  path.text_ = std::string(expression);
  std::string_view text = expression;
  // kubectl-style templates wrap the path in braces: {.status.phase}.
  if (text.size() >= 2 && text.front() == '{' && text.back() == '}') text = text.substr(1, text.size() - 2);
  Parser p(text);
  p.eat('$');
  while (!p.done()) {
    if (p.eat('.')) {
      Step step;
      step.field = p.identifier();
      if (step.field.empty()) return p.error("expected a field name");
      path.steps_.push_back(std::move(step));
      continue;
    }
    if (!p.eat('[')) return p.error("expected '.' or '['");
    Step step;
    if (p.eat('*')) {
      step.kind = Step::Kind::kWildcard;
    } else if (p.peek() == '\'' || p.peek() == '"') {
      auto name = p.quoted();
      if (!name) return fail(name.error());
      step.field = *name;
    } else if (p.eat('?')) {
      step.kind = Step::Kind::kFilter;
      if (!p.eat('(') || !p.eat('@')) return p.error("expected \"(@\" in a filter");
      while (p.eat('.')) {
        auto name = p.identifier();
        if (name.empty()) return p.error("expected a field name");
        step.filter_path.push_back(std::move(name));
      }
      p.skip_spaces();
      if (p.eat('!')) {
        step.filter_not_equal = true;
      } else if (!p.eat('=')) {
        return p.error("expected == or !=");
      }
      if (!p.eat('=')) return p.error("expected == or !=");
      p.skip_spaces();
      if (p.peek() == '\'' || p.peek() == '"') {
        auto value = p.quoted();
        if (!value) return fail(value.error());
        step.filter_value = *value;
      } else {
        auto value = p.number();
        if (!value) return fail(value.error());
        step.filter_value = *value;
      }
      p.skip_spaces();
      if (!p.eat(')')) return p.error("expected ')'");
    } else {
      auto index = p.number();
      if (!index) return fail(index.error());
      step.kind = Step::Kind::kIndex;
      step.index = *index;
    }
    if (!p.eat(']')) return p.error("expected ']'");
    path.steps_.push_back(std::move(step));
  }
  return path;
}

std::vector<const Json*> JsonPath::evaluate(const Json& root) const {
  std::vector<const Json*> current{&root};
  for (const auto& step : steps_) {
    std::vector<const Json*> next;
    for (const Json* node : current) {
      switch (step.kind) {
        case Step::Kind::kField:
          if (node->is_object()) {
            auto it = node->find(step.field);
            if (it != node->end()) next.push_back(&*it);
          }
          break;
        case Step::Kind::kIndex:
          if (node->is_array()) {
            long size = static_cast<long>(node->size());
            long i = step.index < 0 ? size + step.index : step.index;
            if (i >= 0 && i < size) next.push_back(&(*node)[static_cast<size_t>(i)]);
          }
          break;
        case Step::Kind::kWildcard:
          if (node->is_array() || node->is_object()) {
            for (const auto& child : *node) next.push_back(&child);
          }
          break;
        case Step::Kind::kFilter:
          if (node->is_array()) {
            for (const auto& child : *node) {
              const Json* value = &child;
              for (const auto& name : step.filter_path) {
                if (!value->is_object() || !value->contains(name)) {
                  value = nullptr;
                  break;
                }
                value = &(*value)[name];
              }
              bool equal = value != nullptr && *value == step.filter_value;
              if (equal != step.filter_not_equal && value != nullptr) next.push_back(&child);
            }
          }
          break;
      }
    }
    current = std::move(next);
  }
  return current;
}

}  // namespace kthena::apiserver
