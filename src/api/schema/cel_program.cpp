#include "api/schema/cel_program.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "api/schema/cel_ast.h"
#include "api/schema/cel_parser.h"

namespace kthena::api {
namespace {

// A value during evaluation: a reference into the evaluated object (no copy) or an owned temporary.
class Val {
 public:
  static Val ref(const Json& j) { return Val(&j, nullptr); }
  static Val own(Json j) {
    auto p = std::make_shared<const Json>(std::move(j));
    const Json* raw = p.get();
    return Val(raw, std::move(p));
  }
  // A value inside `parent`, keeping parent's storage alive when it is a temporary.
  static Val child(const Val& parent, const Json& j) { return Val(&j, parent.owned_); }
  const Json& operator*() const { return *ptr_; }
  const Json* operator->() const { return ptr_; }

 private:
  Val(const Json* p, std::shared_ptr<const Json> owned) : ptr_(p), owned_(std::move(owned)) {}
  const Json* ptr_;
  std::shared_ptr<const Json> owned_;
};

using R = Result<Val>;

tl::unexpected<Error> err(std::string message) {
  return fail(ErrorCode::kInvalid, std::move(message));
}
tl::unexpected<Error> no_overload() {
  return err("no such overload");
}

bool is_int(const Json& j) {
  return j.is_number_integer();
}
int64_t as_int(const Json& j) {
  if (j.is_number_unsigned() && j.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return std::numeric_limits<int64_t>::max();
  }
  return j.get<int64_t>();
}

// -1, 0, 1 for numbers of any kind; int against int is exact.
int compare_numbers(const Json& a, const Json& b) {
  if (is_int(a) && is_int(b)) {
    int64_t x = as_int(a), y = as_int(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  double x = a.get<double>(), y = b.get<double>();
  return x < y ? -1 : x > y ? 1 : 0;
}

bool cel_equal(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) {
    if (!is_int(a) || !is_int(b)) {
      double x = a.get<double>(), y = b.get<double>();
      return x == y;  // NaN != NaN
    }
    return compare_numbers(a, b) == 0;
  }
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!cel_equal(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (const auto& [k, v] : a.items()) {
      auto it = b.find(k);
      if (it == b.end() || !cel_equal(v, *it)) return false;
    }
    return true;
  }
  return a == b;
}

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

struct Env {
  const CelActivation& activation;
  std::vector<std::pair<const std::string*, Val>> vars;
};

R eval(const CelExpr& e, Env& env);

R arithmetic(const std::string& op, const Json& a, const Json& b) {
  if (op == "+" && a.is_string() && b.is_string()) return Val::own(a.get<std::string>() + b.get<std::string>());
  if (op == "+" && a.is_array() && b.is_array()) {
    Json out = a;
    for (const Json& x : b) out.push_back(x);
    return Val::own(std::move(out));
  }
  if (!a.is_number() || !b.is_number()) return no_overload();
  if (is_int(a) && is_int(b)) {
    int64_t x = as_int(a), y = as_int(b), r = 0;
    bool overflow = false;
    if (op == "+") {
      overflow = __builtin_add_overflow(x, y, &r);
    } else if (op == "-") {
      overflow = __builtin_sub_overflow(x, y, &r);
    } else if (op == "*") {
      overflow = __builtin_mul_overflow(x, y, &r);
    } else if (op == "/" || op == "%") {
      if (y == 0) return err(op == "/" ? "division by zero" : "modulus by zero");
      if (x == std::numeric_limits<int64_t>::min() && y == -1) return err("integer overflow");
      r = op == "/" ? x / y : x % y;
    }
    if (overflow) return err("integer overflow");
    return Val::own(Json(r));
  }
  if (op == "%") return no_overload();
  double x = a.get<double>(), y = b.get<double>();
  double r = op == "+" ? x + y : op == "-" ? x - y : op == "*" ? x * y : x / y;
  return Val::own(Json(r));
}

R binary(const CelExpr& e, Env& env) {
  auto a = eval(*e.args[0], env);
  if (!a) return a;
  auto b = eval(*e.args[1], env);
  if (!b) return b;
  const Json& x = **a;
  const Json& y = **b;
  const std::string& op = e.name;
  if (op == "==") return Val::own(Json(cel_equal(x, y)));
  if (op == "!=") return Val::own(Json(!cel_equal(x, y)));
  if (op == "in") {
    if (y.is_array()) {
      for (const Json& item : y) {
        if (cel_equal(x, item)) return Val::own(Json(true));
      }
      return Val::own(Json(false));
    }
    if (y.is_object()) return x.is_string() ? Val::own(Json(y.contains(x.get<std::string>()))) : Val::own(Json(false));
    return no_overload();
  }
  if (op == "<" || op == "<=" || op == ">" || op == ">=") {
    int c;
    if (x.is_number() && y.is_number()) {
      if ((x.is_number_float() && std::isnan(x.get<double>())) ||
          (y.is_number_float() && std::isnan(y.get<double>()))) {
        return Val::own(Json(false));
      }
      c = compare_numbers(x, y);
    } else if (x.is_string() && y.is_string()) {
      c = x.get_ref<const std::string&>().compare(y.get_ref<const std::string&>());
      c = c < 0 ? -1 : c > 0 ? 1 : 0;
    } else if (x.is_boolean() && y.is_boolean()) {
      c = static_cast<int>(x.get<bool>()) - static_cast<int>(y.get<bool>());
    } else {
      return no_overload();
    }
    bool r = op == "<" ? c < 0 : op == "<=" ? c <= 0 : op == ">" ? c > 0 : c >= 0;
    return Val::own(Json(r));
  }
  return arithmetic(op, x, y);
}

// && and || are commutative over errors: a decisive value on either side wins.
R logical(const CelExpr& e, Env& env, bool is_and) {
  auto a = eval(*e.args[0], env);
  if (a && (*a)->is_boolean() && (*a)->get<bool>() != is_and) return Val::own(Json(!is_and));
  auto b = eval(*e.args[1], env);
  if (b && (*b)->is_boolean() && (*b)->get<bool>() != is_and) return Val::own(Json(!is_and));
  if (!a) return a;
  if (!b) return b;
  if (!(*a)->is_boolean() || !(*b)->is_boolean()) return no_overload();
  return Val::own(Json(is_and));
}

R select(const Val& target, const std::string& field) {
  if (!target->is_object()) return no_overload();
  auto it = target->find(field);
  if (it == target->end()) return err("no such key: " + field);
  return Val::child(target, *it);
}

R call(const CelExpr& e, Env& env) {
  std::optional<Val> receiver;
  if (e.target) {
    auto t = eval(*e.target, env);
    if (!t) return t;
    receiver = *t;
  }
  std::vector<Val> args;
  for (const auto& a : e.args) {
    auto v = eval(*a, env);
    if (!v) return v;
    args.push_back(*v);
  }
  const std::string& f = e.name;
  const Json& subject = receiver ? **receiver : *args[0];
  if (f == "size") {
    if (subject.is_string()) return Val::own(Json(static_cast<int64_t>(code_points(subject.get<std::string>()))));
    if (subject.is_array() || subject.is_object()) return Val::own(Json(static_cast<int64_t>(subject.size())));
    return no_overload();
  }
  if (f == "int") {
    if (is_int(subject)) return Val::own(Json(as_int(subject)));
    if (subject.is_number_float()) {
      double d = subject.get<double>();
      if (!std::isfinite(d) || d >= 9.223372036854775807e18 || d < -9.223372036854775808e18)
        return err("integer overflow");
      return Val::own(Json(static_cast<int64_t>(d)));
    }
    if (subject.is_string()) {
      const std::string& s = subject.get_ref<const std::string&>();
      errno = 0;
      char* end = nullptr;
      long long v = std::strtoll(s.c_str(), &end, 10);
      if (s.empty() || *end != '\0' || errno == ERANGE) return err(fmt::format("cannot convert {} to int", s));
      return Val::own(Json(static_cast<int64_t>(v)));
    }
    return no_overload();
  }
  if (f == "double") {
    if (subject.is_number()) return Val::own(Json(subject.get<double>()));
    if (subject.is_string()) {
      const std::string& s = subject.get_ref<const std::string&>();
      char* end = nullptr;
      double v = std::strtod(s.c_str(), &end);
      if (s.empty() || *end != '\0') return err(fmt::format("cannot convert {} to double", s));
      return Val::own(Json(v));
    }
    return no_overload();
  }
  if (f == "string") {
    if (subject.is_string()) return Val::own(subject);
    if (is_int(subject)) return Val::own(Json(std::to_string(as_int(subject))));
    if (subject.is_boolean()) return Val::own(Json(subject.get<bool>() ? "true" : "false"));
    if (subject.is_number_float()) return Val::own(Json(Json(subject.get<double>()).dump()));
    return no_overload();
  }
  if (f == "join") {
    if (!subject.is_array()) return no_overload();
    std::string sep = args.empty() ? "" : (args[0]->is_string() ? args[0]->get<std::string>() : "");
    std::string out;
    for (size_t i = 0; i < subject.size(); ++i) {
      if (!subject[i].is_string()) return no_overload();
      if (i) out += sep;
      out += subject[i].get<std::string>();
    }
    return Val::own(Json(out));
  }
  if (!subject.is_string()) return no_overload();
  const std::string& s = subject.get_ref<const std::string&>();
  if (f == "lowerAscii" || f == "upperAscii") {
    std::string out = s;
    for (char& c : out) {
      if (f == "lowerAscii" && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      if (f == "upperAscii" && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    }
    return Val::own(Json(out));
  }
  if (f == "trim") {
    size_t b = s.find_first_not_of(" \t\n\r\f\v");
    size_t end = s.find_last_not_of(" \t\n\r\f\v");
    return Val::own(Json(b == std::string::npos ? "" : s.substr(b, end - b + 1)));
  }
  if (args.empty() || !args[0]->is_string()) return no_overload();
  const std::string& a = args[0]->get_ref<const std::string&>();
  if (f == "startsWith") return Val::own(Json(s.starts_with(a)));
  if (f == "endsWith") return Val::own(Json(s.ends_with(a)));
  if (f == "contains") return Val::own(Json(s.find(a) != std::string::npos));
  if (f == "matches") {
    if (e.regex) return Val::own(Json(e.regex->search(s)));
    auto re = Regex::compile(a);
    if (!re) return err(re.error().message);
    return Val::own(Json(re->search(s)));
  }
  return no_overload();
}

R macro(const CelExpr& e, Env& env) {
  auto target = eval(*e.target, env);
  if (!target) return target;
  const Json& range = **target;
  if (!range.is_array() && !range.is_object()) return no_overload();
  std::vector<Val> elements;
  if (range.is_array()) {
    for (const Json& x : range) elements.push_back(Val::child(*target, x));
  } else {
    for (const auto& [k, _] : range.items()) elements.push_back(Val::own(Json(k)));
  }
  const std::string& m = e.name;
  std::optional<Error> first_error;
  Json collected = Json::array();
  int64_t count = 0;
  for (const Val& element : elements) {
    env.vars.emplace_back(&e.var, element);
    auto predicate = [&](const CelExpr& x) -> Result<bool> {
      auto v = eval(x, env);
      if (!v) return tl::unexpected(v.error());
      if (!(*v)->is_boolean()) return no_overload();
      return (*v)->get<bool>();
    };
    if (m == "map") {
      bool keep = true;
      if (e.args.size() == 2) {
        auto p = predicate(*e.args[0]);
        if (!p) {
          env.vars.pop_back();
          return tl::unexpected(p.error());
        }
        keep = *p;
      }
      if (keep) {
        auto v = eval(*e.args.back(), env);
        if (!v) {
          env.vars.pop_back();
          return v;
        }
        collected.push_back(**v);
      }
      env.vars.pop_back();
      continue;
    }
    auto p = predicate(*e.args[0]);
    env.vars.pop_back();
    if (m == "filter" || m == "exists_one") {
      if (!p) return tl::unexpected(p.error());
      if (*p) {
        ++count;
        if (m == "filter") collected.push_back(*element);
      }
      continue;
    }
    if (!p) {
      if (!first_error) first_error = p.error();
      continue;
    }
    if (m == "all" && !*p) return Val::own(Json(false));
    if (m == "exists" && *p) return Val::own(Json(true));
  }
  if (m == "map" || m == "filter") return Val::own(std::move(collected));
  if (m == "exists_one") return Val::own(Json(count == 1));
  if (first_error) return tl::unexpected(*first_error);
  return Val::own(Json(m == "all"));
}

R eval(const CelExpr& e, Env& env) {
  switch (e.kind) {
    case CelExpr::Kind::kLiteral:
      return Val::ref(e.literal);
    case CelExpr::Kind::kIdent: {
      for (auto it = env.vars.rbegin(); it != env.vars.rend(); ++it) {
        if (*it->first == e.name) return it->second;
      }
      const Json* v = e.name == "self" ? env.activation.self : env.activation.old_self;
      if (!v) return err(fmt::format("no such attribute: {}", e.name));
      return Val::ref(*v);
    }
    case CelExpr::Kind::kSelect: {
      auto t = eval(*e.target, env);
      if (!t) return t;
      return select(*t, e.name);
    }
    case CelExpr::Kind::kHas: {
      auto t = eval(*e.target, env);
      if (!t) return t;
      if (!(*t)->is_object()) return no_overload();
      return Val::own(Json((*t)->contains(e.name)));
    }
    case CelExpr::Kind::kIndex: {
      auto t = eval(*e.target, env);
      if (!t) return t;
      auto i = eval(*e.args[0], env);
      if (!i) return i;
      if ((*t)->is_array()) {
        if (!is_int(**i)) return no_overload();
        int64_t index = as_int(**i);
        if (index < 0 || static_cast<size_t>(index) >= (*t)->size()) {
          return err(fmt::format("index out of bounds: {}", index));
        }
        return Val::child(*t, (**t)[static_cast<size_t>(index)]);
      }
      if ((*t)->is_object()) {
        if (!(*i)->is_string()) return no_overload();
        return select(*t, (*i)->get<std::string>());
      }
      return no_overload();
    }
    case CelExpr::Kind::kCall:
      return call(e, env);
    case CelExpr::Kind::kList: {
      Json out = Json::array();
      for (const auto& a : e.args) {
        auto v = eval(*a, env);
        if (!v) return v;
        out.push_back(**v);
      }
      return Val::own(std::move(out));
    }
    case CelExpr::Kind::kMap: {
      Json out = Json::object();
      for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
        auto k = eval(*e.args[i], env);
        if (!k) return k;
        auto v = eval(*e.args[i + 1], env);
        if (!v) return v;
        if (!(*k)->is_string()) return err("unsupported map key type");
        std::string key = (*k)->get<std::string>();
        if (out.contains(key)) return err("Failed with repeated key");
        out[key] = **v;
      }
      return Val::own(std::move(out));
    }
    case CelExpr::Kind::kUnary: {
      auto v = eval(*e.args[0], env);
      if (!v) return v;
      if (e.name == "!") {
        if (!(*v)->is_boolean()) return no_overload();
        return Val::own(Json(!(*v)->get<bool>()));
      }
      if (is_int(**v)) {
        int64_t x = as_int(**v);
        if (x == std::numeric_limits<int64_t>::min()) return err("integer overflow");
        return Val::own(Json(-x));
      }
      if ((*v)->is_number_float()) return Val::own(Json(-(*v)->get<double>()));
      return no_overload();
    }
    case CelExpr::Kind::kBinary:
      return binary(e, env);
    case CelExpr::Kind::kAnd:
      return logical(e, env, true);
    case CelExpr::Kind::kOr:
      return logical(e, env, false);
    case CelExpr::Kind::kTernary: {
      auto c = eval(*e.args[0], env);
      if (!c) return c;
      if (!(*c)->is_boolean()) return no_overload();
      return eval(*e.args[(*c)->get<bool>() ? 1 : 2], env);
    }
    case CelExpr::Kind::kMacro:
      return macro(e, env);
  }
  return no_overload();
}

}  // namespace

Result<CelProgram> CelProgram::compile(std::string_view expression) {
  auto parsed = parse_cel(expression);
  if (!parsed) return tl::unexpected(parsed.error());
  CelProgram p;
  p.source_ = std::string(expression);
  p.root_ = std::shared_ptr<const CelExpr>(std::move(parsed->root));
  p.uses_old_self_ = parsed->uses_old_self;
  return p;
}

Result<Json> CelProgram::evaluate(const CelActivation& activation) const {
  Env env{activation, {}};
  auto v = eval(*root_, env);
  if (!v) return tl::unexpected(v.error());
  return **v;
}

}  // namespace kthena::api
