#include "api/schema/cel_parser.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <limits>

namespace kthena::api {
namespace {

enum class T { kIdent, kInt, kDouble, kString, kOp, kEnd };

struct Token {
  T type;
  std::string text;  // identifier, operator, or decoded string
  Json value;        // numbers
  size_t column;     // 1-based
};

bool ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool ident_char(char c) {
  return ident_start(c) || (c >= '0' && c <= '9');
}
bool digit(char c) {
  return c >= '0' && c <= '9';
}

tl::unexpected<Error> error_at(size_t column, std::string message) {
  return fail(ErrorCode::kInvalid, fmt::format("{} at column {}", message, column));
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

Result<std::vector<Token>> lex(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (true) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    if (i + 1 < s.size() && s[i] == '/' && s[i + 1] == '/') {  // comment to end of line
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    size_t col = i + 1;
    if (i >= s.size()) {
      out.push_back({T::kEnd, "", nullptr, col});
      return out;
    }
    char c = s[i];
    bool raw = false;
    if ((c == 'r' || c == 'R') && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\'')) {
      raw = true;
      c = s[++i];
    }
    if ((c == 'b' || c == 'B') && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\'')) {
      return error_at(col, "bytes literals are not supported");
    }
    if (ident_start(c)) {
      size_t start = i;
      while (i < s.size() && ident_char(s[i])) ++i;
      out.push_back({T::kIdent, std::string(s.substr(start, i - start)), nullptr, col});
      continue;
    }
    if (digit(c) || (c == '.' && i + 1 < s.size() && digit(s[i + 1]))) {
      size_t start = i;
      if (c == '0' && i + 1 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        i += 2;
        size_t digits_start = i;
        while (i < s.size() && std::isxdigit(static_cast<unsigned char>(s[i]))) ++i;
        if (i == digits_start) return error_at(col, "invalid hex literal");
        errno = 0;
        uint64_t v = std::strtoull(std::string(s.substr(digits_start, i - digits_start)).c_str(), nullptr, 16);
        if (errno == ERANGE) return error_at(col, "integer literal out of range");
        if (i < s.size() && (s[i] == 'u' || s[i] == 'U')) ++i;
        out.push_back({T::kInt, "", Json(v), col});
        continue;
      }
      bool is_double = false;
      while (i < s.size() && digit(s[i])) ++i;
      if (i + 1 < s.size() && s[i] == '.' && digit(s[i + 1])) {
        is_double = true;
        ++i;
        while (i < s.size() && digit(s[i])) ++i;
      }
      if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        size_t save = i++;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        if (i < s.size() && digit(s[i])) {
          is_double = true;
          while (i < s.size() && digit(s[i])) ++i;
        } else {
          i = save;
        }
      }
      std::string text(s.substr(start, i - start));
      if (is_double) {
        out.push_back({T::kDouble, "", Json(std::strtod(text.c_str(), nullptr)), col});
      } else {
        errno = 0;
        uint64_t v = std::strtoull(text.c_str(), nullptr, 10);
        if (errno == ERANGE) return error_at(col, "integer literal out of range");
        if (i < s.size() && (s[i] == 'u' || s[i] == 'U')) ++i;
        out.push_back({T::kInt, "", Json(v), col});
      }
      continue;
    }
    if (c == '"' || c == '\'') {
      bool triple = i + 2 < s.size() && s[i + 1] == c && s[i + 2] == c;
      i += triple ? 3 : 1;
      std::string value;
      while (true) {
        if (i >= s.size()) return error_at(col, "unterminated string literal");
        if (triple ? (s.substr(i, 3) == std::string(3, c)) : s[i] == c) {
          i += triple ? 3 : 1;
          break;
        }
        if (!triple && s[i] == '\n') return error_at(col, "unterminated string literal");
        if (s[i] == '\\' && !raw) {
          if (++i >= s.size()) return error_at(col, "unterminated string literal");
          char e = s[i++];
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
            case '\'':
              value += '\'';
              break;
            case '"':
              value += '"';
              break;
            case '`':
              value += '`';
              break;
            case '?':
              value += '?';
              break;
            case 'x':
            case 'u':
            case 'U': {
              size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
              if (i + n > s.size()) return error_at(col, "invalid escape sequence");
              std::string hex(s.substr(i, n));
              for (char h : hex) {
                if (!std::isxdigit(static_cast<unsigned char>(h))) return error_at(col, "invalid escape sequence");
              }
              append_utf8(value, static_cast<uint32_t>(std::strtoul(hex.c_str(), nullptr, 16)));
              i += n;
              break;
            }
            default:
              return error_at(col, fmt::format("invalid escape sequence \\{}", e));
          }
          continue;
        }
        value += s[i++];
      }
      out.push_back({T::kString, std::move(value), nullptr, col});
      continue;
    }
    static constexpr std::string_view kTwo[] = {"==", "!=", "<=", ">=", "&&", "||"};
    std::string op;
    for (std::string_view two : kTwo) {
      if (s.substr(i, 2) == two) op = std::string(two);
    }
    if (op.empty()) {
      if (std::string_view(".,()[]{}:?!-+*/%<>").find(c) == std::string_view::npos) {
        return error_at(col, fmt::format("unexpected character '{}'", c));
      }
      op = std::string(1, c);
    }
    i += op.size();
    out.push_back({T::kOp, op, nullptr, col});
  }
}

bool is_macro(std::string_view name) {
  return name == "all" || name == "exists" || name == "exists_one" || name == "map" || name == "filter";
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  Result<CelParse> parse() {
    auto e = expr();
    if (!e) return tl::unexpected(e.error());
    if (peek().type != T::kEnd) return error_at(peek().column, fmt::format("unexpected '{}'", describe(peek())));
    return CelParse{std::move(*e), uses_old_self_};
  }

 private:
  using Ptr = std::unique_ptr<CelExpr>;

  const Token& peek() const { return t_[pos_]; }
  bool op(std::string_view o) const { return peek().type == T::kOp && peek().text == o; }
  bool keyword(std::string_view k) const { return peek().type == T::kIdent && peek().text == k; }
  static std::string describe(const Token& t) {
    switch (t.type) {
      case T::kEnd:
        return "end of expression";
      case T::kString:
        return "string literal";
      case T::kInt:
      case T::kDouble:
        return t.value.dump();
      default:
        return t.text;
    }
  }
  Result<void> expect(std::string_view o) {
    if (!op(o)) return error_at(peek().column, fmt::format("expected '{}', found '{}'", o, describe(peek())));
    ++pos_;
    return {};
  }
  static Ptr node(CelExpr::Kind kind, size_t column) {
    auto n = std::make_unique<CelExpr>();
    n->kind = kind;
    n->column = column;
    return n;
  }

  Result<Ptr> expr() {
    auto cond = binary(0);
    if (!cond || !op("?")) return cond;
    size_t col = peek().column;
    ++pos_;
    auto a = expr();
    if (!a) return a;
    if (auto r = expect(":"); !r) return tl::unexpected(r.error());
    auto b = expr();
    if (!b) return b;
    Ptr n = node(CelExpr::Kind::kTernary, col);
    n->args.push_back(std::move(*cond));
    n->args.push_back(std::move(*a));
    n->args.push_back(std::move(*b));
    return n;
  }

  // Levels: 0 ||, 1 &&, 2 relations, 3 additive, 4 multiplicative.
  Result<Ptr> binary(int level) {
    if (level > 4) return unary();
    auto left = binary(level + 1);
    if (!left) return left;
    while (true) {
      std::string o;
      if (level == 0 && op("||")) o = "||";
      if (level == 1 && op("&&")) o = "&&";
      if (level == 2) {
        for (std::string_view r : {"<", "<=", ">", ">=", "==", "!="}) {
          if (op(r)) o = std::string(r);
        }
        if (keyword("in")) o = "in";
      }
      if (level == 3 && (op("+") || op("-"))) o = peek().text;
      if (level == 4 && (op("*") || op("/") || op("%"))) o = peek().text;
      if (o.empty()) return left;
      size_t col = peek().column;
      ++pos_;
      auto right = binary(level + 1);
      if (!right) return right;
      Ptr n = node(o == "||" ? CelExpr::Kind::kOr : o == "&&" ? CelExpr::Kind::kAnd : CelExpr::Kind::kBinary, col);
      n->name = o;
      n->args.push_back(std::move(*left));
      n->args.push_back(std::move(*right));
      left = std::move(n);
    }
  }

  Result<Ptr> unary() {
    if (op("!") || op("-")) {
      size_t col = peek().column;
      std::string o = peek().text;
      ++pos_;
      if (o == "-" && peek().type == T::kInt) {  // negative literal, so that -9223372036854775808 fits
        Token t = t_[pos_++];
        uint64_t v = t.value.get<uint64_t>();
        if (v > uint64_t{1} << 63) return error_at(t.column, "integer literal out of range");
        Ptr n = node(CelExpr::Kind::kLiteral, col);
        n->literal =
            v == uint64_t{1} << 63 ? Json(std::numeric_limits<int64_t>::min()) : Json(-static_cast<int64_t>(v));
        return member(std::move(n));
      }
      auto operand = unary();
      if (!operand) return operand;
      Ptr n = node(CelExpr::Kind::kUnary, col);
      n->name = o;
      n->args.push_back(std::move(*operand));
      return n;
    }
    auto p = primary();
    if (!p) return p;
    return member(std::move(*p));
  }

  Result<std::vector<Ptr>> arguments(std::string_view close) {
    std::vector<Ptr> args;
    if (op(close)) {
      ++pos_;
      return args;
    }
    while (true) {
      auto a = expr();
      if (!a) return tl::unexpected(a.error());
      args.push_back(std::move(*a));
      if (op(",")) {
        ++pos_;
        if (op(close)) break;  // trailing comma
        continue;
      }
      break;
    }
    if (auto r = expect(close); !r) return tl::unexpected(r.error());
    return args;
  }

  Result<Ptr> member(Ptr target) {
    while (true) {
      if (op(".")) {
        ++pos_;
        if (peek().type != T::kIdent)
          return error_at(peek().column, fmt::format("expected a field name, found '{}'", describe(peek())));
        Token name = t_[pos_++];
        if (!op("(")) {
          Ptr n = node(CelExpr::Kind::kSelect, name.column);
          n->name = name.text;
          n->target = std::move(target);
          target = std::move(n);
          continue;
        }
        ++pos_;
        if (is_macro(name.text)) {
          auto m = macro(std::move(target), name);
          if (!m) return m;
          target = std::move(*m);
          continue;
        }
        auto args = arguments(")");
        if (!args) return tl::unexpected(args.error());
        auto call = method(std::move(target), name, std::move(*args));
        if (!call) return call;
        target = std::move(*call);
      } else if (op("[")) {
        size_t col = peek().column;
        ++pos_;
        auto index = expr();
        if (!index) return index;
        if (auto r = expect("]"); !r) return tl::unexpected(r.error());
        Ptr n = node(CelExpr::Kind::kIndex, col);
        n->target = std::move(target);
        n->args.push_back(std::move(*index));
        target = std::move(n);
      } else {
        return target;
      }
    }
  }

  Result<Ptr> macro(Ptr target, const Token& name) {
    if (peek().type != T::kIdent)
      return error_at(peek().column, fmt::format("{}() needs a variable name first", name.text));
    std::string var = t_[pos_++].text;
    if (var == "self" || var == "oldSelf")
      return error_at(name.column, fmt::format("{}() may not rebind '{}'", name.text, var));
    scope_.push_back(var);
    std::vector<Ptr> args;
    while (op(",")) {
      ++pos_;
      auto a = expr();
      if (!a) return a;
      args.push_back(std::move(*a));
    }
    scope_.pop_back();
    if (auto r = expect(")"); !r) return tl::unexpected(r.error());
    size_t want = name.text == "map" ? (args.size() == 2 ? 2 : 1) : 1;
    if (args.size() != want) {
      return error_at(name.column, fmt::format("{}() takes a variable and {} expression(s)", name.text, want));
    }
    Ptr n = node(CelExpr::Kind::kMacro, name.column);
    n->name = name.text;
    n->var = var;
    n->target = std::move(target);
    n->args = std::move(args);
    return n;
  }

  Result<Ptr> method(Ptr target, const Token& name, std::vector<Ptr> args) {
    struct Sig {
      std::string_view name;
      size_t min, max;
    };
    static constexpr Sig kMethods[] = {{"size", 0, 0},       {"startsWith", 1, 1}, {"endsWith", 1, 1},
                                       {"contains", 1, 1},   {"matches", 1, 1},    {"lowerAscii", 0, 0},
                                       {"upperAscii", 0, 0}, {"trim", 0, 0},       {"join", 0, 1}};
    for (const Sig& sig : kMethods) {
      if (sig.name != name.text) continue;
      if (args.size() < sig.min || args.size() > sig.max) {
        return error_at(name.column,
                        fmt::format("found no matching overload for '{}' with {} argument(s)", name.text, args.size()));
      }
      Ptr n = node(CelExpr::Kind::kCall, name.column);
      n->name = name.text;
      n->target = std::move(target);
      n->args = std::move(args);
      if (n->name == "matches" && n->args[0]->kind == CelExpr::Kind::kLiteral && n->args[0]->literal.is_string()) {
        auto re = Regex::compile(n->args[0]->literal.get<std::string>());
        if (!re) return error_at(n->args[0]->column, re.error().message);
        n->regex = std::move(*re);
      }
      return n;
    }
    return error_at(name.column, fmt::format("undeclared reference to '{}' (in container '')", name.text));
  }

  Result<Ptr> primary() {
    Token t = t_[pos_];
    switch (t.type) {
      case T::kInt: {
        ++pos_;
        uint64_t v = t.value.get<uint64_t>();
        if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
          return error_at(t.column, "integer literal out of range");
        Ptr n = node(CelExpr::Kind::kLiteral, t.column);
        n->literal = Json(static_cast<int64_t>(v));
        return n;
      }
      case T::kDouble:
      case T::kString: {
        ++pos_;
        Ptr n = node(CelExpr::Kind::kLiteral, t.column);
        n->literal = t.type == T::kString ? Json(t.text) : t.value;
        return n;
      }
      case T::kEnd:
        return error_at(t.column, "unexpected end of expression");
      case T::kIdent:
        return identifier();
      case T::kOp:
        break;
    }
    if (op("(")) {
      ++pos_;
      auto e = expr();
      if (!e) return e;
      if (auto r = expect(")"); !r) return tl::unexpected(r.error());
      return e;
    }
    if (op("[")) {
      ++pos_;
      auto items = arguments("]");
      if (!items) return tl::unexpected(items.error());
      Ptr n = node(CelExpr::Kind::kList, t.column);
      n->args = std::move(*items);
      return n;
    }
    if (op("{")) {
      ++pos_;
      Ptr n = node(CelExpr::Kind::kMap, t.column);
      while (!op("}")) {
        auto k = expr();
        if (!k) return k;
        if (auto r = expect(":"); !r) return tl::unexpected(r.error());
        auto v = expr();
        if (!v) return v;
        n->args.push_back(std::move(*k));
        n->args.push_back(std::move(*v));
        if (!op(",")) break;
        ++pos_;
      }
      if (auto r = expect("}"); !r) return tl::unexpected(r.error());
      return n;
    }
    return error_at(t.column, fmt::format("unexpected '{}'", describe(t)));
  }

  Result<Ptr> identifier() {
    Token t = t_[pos_++];
    if (t.text == "true" || t.text == "false" || t.text == "null") {
      Ptr n = node(CelExpr::Kind::kLiteral, t.column);
      n->literal = t.text == "null" ? Json(nullptr) : Json(t.text == "true");
      return n;
    }
    if (op("(")) {
      ++pos_;
      if (t.text == "has") {
        auto arg = expr();
        if (!arg) return arg;
        if (auto r = expect(")"); !r) return tl::unexpected(r.error());
        if ((*arg)->kind != CelExpr::Kind::kSelect) return error_at(t.column, "invalid argument to has() macro");
        (*arg)->kind = CelExpr::Kind::kHas;
        return arg;
      }
      auto args = arguments(")");
      if (!args) return tl::unexpected(args.error());
      static constexpr std::string_view kFunctions[] = {"size", "int", "double", "string"};
      for (std::string_view f : kFunctions) {
        if (f != t.text) continue;
        if (args->size() != 1) {
          return error_at(t.column,
                          fmt::format("found no matching overload for '{}' with {} argument(s)", t.text, args->size()));
        }
        Ptr n = node(CelExpr::Kind::kCall, t.column);
        n->name = t.text;
        n->args = std::move(*args);
        return n;
      }
      return error_at(t.column, fmt::format("undeclared reference to '{}' (in container '')", t.text));
    }
    bool known = t.text == "self" || t.text == "oldSelf";
    for (const std::string& v : scope_) known = known || v == t.text;
    if (!known) return error_at(t.column, fmt::format("undeclared reference to '{}' (in container '')", t.text));
    if (t.text == "oldSelf") uses_old_self_ = true;
    Ptr n = node(CelExpr::Kind::kIdent, t.column);
    n->name = t.text;
    return n;
  }

  std::vector<Token> t_;
  size_t pos_ = 0;
  std::vector<std::string> scope_;
  bool uses_old_self_ = false;
};

}  // namespace

Result<CelParse> parse_cel(std::string_view source) {
  auto tokens = lex(source);
  if (!tokens) return tl::unexpected(tokens.error());
  return Parser(std::move(*tokens)).parse();
}

}  // namespace kthena::api
