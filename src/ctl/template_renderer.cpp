#include "ctl/template_renderer.h"

#include <cctype>
#include <charconv>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "api/codec/yaml_encoder.h"
#include "api/field_error.h"

namespace kthena::ctl {
namespace {

struct Operand {
  bool is_path = false;
  std::vector<std::string> path;  // .Values.a -> {"Values", "a"}
  Json literal;
};

struct Command {
  std::string function;  // empty: a bare operand
  std::vector<Operand> args;
};

using Pipeline = std::vector<Command>;

struct Node {
  enum class Type { kText, kAction, kIf };
  Type type = Type::kText;
  int line = 1;
  std::string text;
  Pipeline pipeline;
  std::vector<Node> then_nodes;
  std::vector<Node> else_nodes;
  bool in_else = false;  // parsing: the next nodes go to else_nodes
};

class Renderer {
 public:
  Renderer(std::string_view source, std::string_view name, const Json& values) : source_(source), name_(name) {
    root_ = Json::object();
    root_["Values"] = values.is_null() ? Json::object() : values;
    root_["Chart"] = Json{{"Name", "kthena-template"}, {"Version", "1.0.0"}};
  }

  Result<std::string> run() {
    std::vector<Node> nodes;
    if (auto parsed = parse(nodes); !parsed) return fail(parsed.error());
    std::string out;
    if (auto done = execute(nodes, out); !done) return fail(done.error());
    return out;
  }

 private:
  tl::unexpected<Error> error(int line, std::string message) const {
    return fail(ErrorCode::kInvalid, std::move(message), fmt::format("{}:{}", name_, line));
  }

  int line_at(size_t offset) const {
    int line = 1;
    for (size_t i = 0; i < offset && i < source_.size(); ++i) line += source_[i] == '\n';
    return line;
  }

  // Splits the source into text and actions, applies the trim markers and builds the if/else/end tree.
  Result<void> parse(std::vector<Node>& top) {
    std::vector<Node*> open_ifs;  // innermost last
    auto sink = [&]() -> std::vector<Node>& {
      if (open_ifs.empty()) return top;
      Node* node = open_ifs.back();
      return node->in_else ? node->else_nodes : node->then_nodes;
    };
    // Whether the last text node is reachable for a left trim: it may sit in another list (before an else/end).
    std::string* last_text = nullptr;
    bool trim_next = false;
    size_t pos = 0;
    while (pos <= source_.size()) {
      size_t open = source_.find("{{", pos);
      std::string_view text = source_.substr(pos, open == std::string_view::npos ? std::string_view::npos : open - pos);
      if (trim_next) {
        size_t first = 0;
        while (first < text.size() && std::isspace(static_cast<unsigned char>(text[first]))) ++first;
        text.remove_prefix(first);
        trim_next = false;
      }
      if (!text.empty()) {
        Node node;
        node.type = Node::Type::kText;
        node.line = line_at(pos);
        node.text = std::string(text);
        sink().push_back(std::move(node));
        last_text = &sink().back().text;
      } else {
        last_text = nullptr;
      }
      if (open == std::string_view::npos) break;
      const int line = line_at(open);
      size_t close = source_.find("}}", open + 2);
      if (close == std::string_view::npos) return error(line, "unterminated action: \"{{\" without \"}}\"");
      std::string_view inner = source_.substr(open + 2, close - open - 2);
      // "{{- " and " -}}" trim; "{{-3}}" would be the number -3, so the marker needs the space.
      if (inner.size() >= 2 && inner[0] == '-' && std::isspace(static_cast<unsigned char>(inner[1]))) {
        inner.remove_prefix(1);
        if (last_text != nullptr) {
          while (!last_text->empty() && std::isspace(static_cast<unsigned char>(last_text->back()))) {
            last_text->pop_back();
          }
        }
      }
      if (inner.size() >= 2 && inner.back() == '-' &&
          std::isspace(static_cast<unsigned char>(inner[inner.size() - 2]))) {
        inner.remove_suffix(1);
        trim_next = true;
      }
      last_text = nullptr;
      pos = close + 2;
      std::string_view content = trim(inner);
      if (content.starts_with("/*")) {
        if (!content.ends_with("*/") || content.size() < 4) return error(line, "unterminated comment");
        continue;
      }
      std::string_view keyword = content.substr(0, content.find_first_of(" \t\r\n"));
      if (keyword == "if") {
        auto pipeline = parse_pipeline(trim(content.substr(2)), line);
        if (!pipeline) return fail(pipeline.error());
        if (pipeline->empty()) return error(line, "missing condition in {{ if }}");
        Node node;
        node.type = Node::Type::kIf;
        node.line = line;
        node.pipeline = std::move(*pipeline);
        sink().push_back(std::move(node));
        open_ifs.push_back(&sink().back());
      } else if (keyword == "else") {
        if (trim(content.substr(4)).size() > 0) return error(line, "\"else if\" is not supported; nest an if instead");
        if (open_ifs.empty()) return error(line, "{{ else }} outside {{ if }}");
        if (open_ifs.back()->in_else) return error(line, "second {{ else }} in one {{ if }}");
        open_ifs.back()->in_else = true;
      } else if (keyword == "end") {
        if (open_ifs.empty()) return error(line, "{{ end }} without {{ if }}");
        open_ifs.pop_back();
      } else if (keyword == "range" || keyword == "with" || keyword == "define" || keyword == "template" ||
                 keyword == "block" || keyword == "break" || keyword == "continue") {
        return error(line, "\"" + std::string(keyword) + "\" is not supported (only if/else/end)");
      } else {
        auto pipeline = parse_pipeline(content, line);
        if (!pipeline) return fail(pipeline.error());
        if (pipeline->empty()) return error(line, "empty action {{ }}");
        Node node;
        node.type = Node::Type::kAction;
        node.line = line;
        node.pipeline = std::move(*pipeline);
        sink().push_back(std::move(node));
      }
    }
    if (!open_ifs.empty()) return error(open_ifs.back()->line, "{{ if }} not closed by {{ end }}");
    return {};
  }

  static std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return text;
  }

  struct Token {
    enum class Type { kWord, kString, kPipe } type;
    std::string text;
  };

  Result<std::vector<Token>> tokenize(std::string_view content, int line) const {
    std::vector<Token> tokens;
    size_t i = 0;
    while (i < content.size()) {
      const char c = content[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
      } else if (c == '|') {
        tokens.push_back({Token::Type::kPipe, "|"});
        ++i;
      } else if (c == '(' || c == ')') {
        return error(line, "parentheses are not supported; use a pipe (x | default \"v\")");
      } else if (c == '$') {
        return error(line, "variables ($) are not supported");
      } else if (c == '`') {
        size_t end = content.find('`', i + 1);
        if (end == std::string_view::npos) return error(line, "unterminated raw string");
        tokens.push_back({Token::Type::kString, std::string(content.substr(i + 1, end - i - 1))});
        i = end + 1;
      } else if (c == '"') {
        std::string value;
        size_t j = i + 1;
        bool closed = false;
        while (j < content.size()) {
          char d = content[j];
          if (d == '"') {
            closed = true;
            break;
          }
          if (d != '\\') {
            value += d;
            ++j;
            continue;
          }
          if (j + 1 >= content.size()) break;
          char e = content[j + 1];
          j += 2;
          switch (e) {
            case 'n':
              value += '\n';
              break;
            case 't':
              value += '\t';
              break;
            case 'r':
              value += '\r';
              break;
            case 'a':
              value += '\a';
              break;
            case 'b':
              value += '\b';
              break;
            case 'f':
              value += '\f';
              break;
            case 'v':
              value += '\v';
              break;
            case '\\':
              value += '\\';
              break;
            case '"':
              value += '"';
              break;
            case '\'':
              value += '\'';
              break;
            default:
              return error(line, fmt::format("unknown escape \\{} in a string", e));
          }
        }
        if (!closed) return error(line, "unterminated string");
        tokens.push_back({Token::Type::kString, std::move(value)});
        i = j + 1;
      } else {
        size_t j = i;
        while (j < content.size() && !std::isspace(static_cast<unsigned char>(content[j])) && content[j] != '|' &&
               content[j] != '"' && content[j] != '(' && content[j] != ')') {
          ++j;
        }
        tokens.push_back({Token::Type::kWord, std::string(content.substr(i, j - i))});
        i = j;
      }
    }
    return tokens;
  }

  static bool is_identifier(std::string_view word) {
    if (word.empty() || !(std::isalpha(static_cast<unsigned char>(word[0])) || word[0] == '_')) return false;
    for (char c : word) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    }
    return true;
  }

  Result<Operand> operand(const Token& token, int line) const {
    Operand op;
    if (token.type == Token::Type::kString) {
      op.literal = token.text;
      return op;
    }
    const std::string& w = token.text;
    if (w[0] == '.') {
      op.is_path = true;
      if (w == ".") return op;
      size_t start = 1;
      while (start <= w.size()) {
        size_t dot = w.find('.', start);
        std::string part = w.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (!is_identifier(part)) return error(line, "bad field path \"" + w + "\"");
        op.path.push_back(std::move(part));
        if (dot == std::string::npos) break;
        start = dot + 1;
      }
      return op;
    }
    if (w == "true" || w == "false") {
      op.literal = w == "true";
      return op;
    }
    if (w == "nil") return op;
    if (std::isdigit(static_cast<unsigned char>(w[0])) || ((w[0] == '-' || w[0] == '+') && w.size() > 1)) {
      int64_t integer = 0;
      auto [end, ec] = std::from_chars(w.data() + (w[0] == '+'), w.data() + w.size(), integer);
      if (ec == std::errc() && end == w.data() + w.size()) {
        op.literal = integer;
        return op;
      }
      double number = 0;
      auto [fend, fec] = std::from_chars(w.data() + (w[0] == '+'), w.data() + w.size(), number);
      if (fec == std::errc() && fend == w.data() + w.size()) {
        op.literal = number;
        return op;
      }
      return error(line, "bad number \"" + w + "\"");
    }
    if (is_identifier(w)) return error(line, "function \"" + w + "\" used as an argument; use a pipe");
    return error(line, "unexpected \"" + w + "\"");
  }

  Result<Pipeline> parse_pipeline(std::string_view content, int line) const {
    auto tokens = tokenize(content, line);
    if (!tokens) return fail(tokens.error());
    Pipeline pipeline;
    std::vector<std::vector<Token>> parts(1);
    for (Token& t : *tokens) {
      if (t.type == Token::Type::kPipe) {
        parts.emplace_back();
      } else {
        parts.back().push_back(std::move(t));
      }
    }
    if (parts.size() == 1 && parts[0].empty()) return pipeline;
    for (size_t k = 0; k < parts.size(); ++k) {
      auto& words = parts[k];
      if (words.empty()) return error(line, "missing command in a pipeline (\"|\" with nothing beside it)");
      Command command;
      const Token& first = words[0];
      if (first.type == Token::Type::kWord && is_identifier(first.text) && first.text != "true" &&
          first.text != "false" && first.text != "nil") {
        if (first.text != "default" && first.text != "quote") {
          return error(line, "unknown function \"" + first.text + "\" (supported: default, quote)");
        }
        command.function = first.text;
        for (size_t a = 1; a < words.size(); ++a) {
          auto op = operand(words[a], line);
          if (!op) return fail(op.error());
          command.args.push_back(std::move(*op));
        }
      } else {
        if (k > 0) return error(line, "only a function can follow \"|\"");
        if (words.size() > 1) return error(line, "a value takes no arguments: \"" + std::string(content) + "\"");
        auto op = operand(first, line);
        if (!op) return fail(op.error());
        command.args.push_back(std::move(*op));
      }
      pipeline.push_back(std::move(command));
    }
    return pipeline;
  }

  Json evaluate(const Operand& op) const {
    if (!op.is_path) return op.literal;
    const Json* at = &root_;
    for (const std::string& key : op.path) {
      if (!at->is_object()) return nullptr;
      auto it = at->find(key);
      if (it == at->end()) return nullptr;
      at = &*it;
    }
    return *at;
  }

  static bool empty(const Json& v) {
    if (v.is_null()) return true;
    if (v.is_boolean()) return !v.get<bool>();
    if (v.is_number_integer()) return v.get<int64_t>() == 0;
    if (v.is_number_unsigned()) return v.get<uint64_t>() == 0;
    if (v.is_number_float()) return v.get<double>() == 0;
    if (v.is_string()) return v.get<std::string>().empty();
    return v.empty();
  }

  static std::string text_of(const Json& v) {
    if (v.is_null()) return {};
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
    if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
    if (v.is_number_float()) return api::format_go_float(v.get<double>());
    return v.dump();  // a map or list: JSON, which YAML reads back as the same value
  }

  Json run_pipeline(const Pipeline& pipeline) const {
    Json value;
    bool have = false;
    for (const Command& command : pipeline) {
      std::vector<Json> args;
      for (const Operand& op : command.args) args.push_back(evaluate(op));
      if (have) args.push_back(std::move(value));
      have = true;
      if (command.function.empty()) {
        value = std::move(args.front());
      } else if (command.function == "default") {
        // Sprig: default DEFAULT GIVEN; the default when GIVEN is missing or empty.
        if (args.empty()) {
          value = nullptr;
        } else if (args.size() == 1 || empty(args[1])) {
          value = std::move(args[0]);
        } else {
          value = std::move(args[1]);
        }
      } else {  // quote
        std::string out;
        for (const Json& a : args) {
          if (a.is_null()) continue;
          if (!out.empty()) out += ' ';
          out += kthena::go_quote(text_of(a));
        }
        value = std::move(out);
      }
    }
    return value;
  }

  Result<void> execute(const std::vector<Node>& nodes, std::string& out) const {
    for (const Node& node : nodes) {
      switch (node.type) {
        case Node::Type::kText:
          out += node.text;
          break;
        case Node::Type::kAction:
          out += text_of(run_pipeline(node.pipeline));
          break;
        case Node::Type::kIf: {
          const bool truth = !empty(run_pipeline(node.pipeline));
          if (auto done = execute(truth ? node.then_nodes : node.else_nodes, out); !done) return done;
          break;
        }
      }
    }
    return {};
  }

  std::string_view source_;
  std::string name_;
  Json root_;
};

}  // namespace

Result<std::string> render_template(std::string_view source, std::string_view template_name, const Json& values) {
  return Renderer(source, template_name, values).run();
}

}  // namespace kthena::ctl
