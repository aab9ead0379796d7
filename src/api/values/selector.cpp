#include "api/values/selector.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "api/values/name_validation.h"

namespace kthena::api {
namespace {

enum class Tok {
  kIdentifier,
  kDoesNotExist,
  kNotEquals,
  kOpenPar,
  kClosedPar,
  kComma,
  kEquals,
  kDoubleEquals,
  kGreaterThan,
  kLessThan,
  kIn,
  kNotIn,
  kEnd,
  kError
};

struct Item {
  Tok tok;
  std::string literal;
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool is_special(char c) {
  return std::string_view("=!(),><").find(c) != std::string_view::npos;
}

std::optional<Tok> special_token(std::string_view s) {
  static constexpr std::pair<std::string_view, Tok> kTokens[] = {
      {"!", Tok::kDoesNotExist},  {"!=", Tok::kNotEquals},  {"(", Tok::kOpenPar},
      {")", Tok::kClosedPar},     {",", Tok::kComma},       {"=", Tok::kEquals},
      {"==", Tok::kDoubleEquals}, {">", Tok::kGreaterThan}, {"<", Tok::kLessThan}};
  for (auto [text, tok] : kTokens) {
    if (s == text) return tok;
  }
  return std::nullopt;
}

// labels.Lexer: the whole input as tokens, ending with kEnd.
std::vector<Item> lex(std::string_view s) {
  std::vector<Item> items;
  size_t i = 0;
  while (true) {
    while (i < s.size() && is_space(s[i])) ++i;
    if (i >= s.size() || s[i] == '\0') {
      items.push_back({Tok::kEnd, ""});
      return items;
    }
    if (is_special(s[i])) {
      std::string buffer;
      std::optional<Item> last;
      while (i < s.size() && is_special(s[i])) {
        buffer.push_back(s[i]);
        if (auto tok = special_token(buffer)) {
          last = Item{*tok, buffer};
          ++i;
        } else if (last) {
          break;
        } else {
          ++i;
        }
      }
      items.push_back(last ? *last : Item{Tok::kError, fmt::format("error expected: keyword found '{}'", buffer)});
      continue;
    }
    size_t start = i;
    while (i < s.size() && !is_space(s[i]) && !is_special(s[i]) && s[i] != '\0') ++i;
    std::string word(s.substr(start, i - start));
    Tok tok = word == "in" ? Tok::kIn : word == "notin" ? Tok::kNotIn : Tok::kIdentifier;
    items.push_back({tok, std::move(word)});
  }
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

// field.ErrorList.ToAggregate().Error().
std::string aggregate(const FieldErrors& errs) {
  if (errs.size() == 1) return errs[0].to_string();
  std::vector<std::string> parts;
  for (const auto& e : errs) parts.push_back(e.to_string());
  return "[" + join(parts, ", ") + "]";
}

Json string_list(const std::vector<std::string>& v) {
  Json out = Json::array();
  for (const auto& s : v) out.push_back(s);
  return out;
}

bool parses_int64(const std::string& s) {
  int64_t v;
  std::string_view t = s;
  if (!t.empty() && t[0] == '+') t.remove_prefix(1);
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  return !t.empty() && ec == std::errc() && end == t.data() + t.size();
}

// labels.NewRequirement's checks.
Result<Requirement> new_requirement(std::string key, SelectorOp op, std::vector<std::string> values) {
  FieldErrors errs;
  FieldPath values_path("values");
  if (Messages m = is_qualified_name(key); !m.empty()) errs.push_back(invalid(FieldPath("key"), key, join(m, "; ")));
  switch (op) {
    case SelectorOp::kIn:
    case SelectorOp::kNotIn:
      if (values.empty()) {
        errs.push_back(
            invalid(values_path, string_list(values), "for 'in', 'notin' operators, values set can't be empty"));
      }
      break;
    case SelectorOp::kEquals:
    case SelectorOp::kDoubleEquals:
    case SelectorOp::kNotEquals:
      if (values.size() != 1) {
        errs.push_back(
            invalid(values_path, string_list(values), "exact-match compatibility requires one single value"));
      }
      break;
    case SelectorOp::kExists:
    case SelectorOp::kDoesNotExist:
      if (!values.empty()) {
        errs.push_back(
            invalid(values_path, string_list(values), "values set must be empty for exists and does not exist"));
      }
      break;
    case SelectorOp::kGreaterThan:
    case SelectorOp::kLessThan:
      if (values.size() != 1) {
        errs.push_back(
            invalid(values_path, string_list(values), "for 'Gt', 'Lt' operators, exactly one value is required"));
      }
      for (size_t i = 0; i < values.size(); ++i) {
        if (!parses_int64(values[i])) {
          errs.push_back(
              invalid(values_path.index(i), values[i], "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      }
      break;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (Messages m = is_valid_label_value(values[i]); !m.empty()) {
      errs.push_back(invalid(values_path.index(i).key(key), values[i], join(m, "; ")));
    }
  }
  if (!errs.empty()) return fail(ErrorCode::kBadRequest, aggregate(errs));
  return Requirement{std::move(key), op, std::move(values)};
}

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// labels.Parser over the token list.
class LabelParser {
 public:
  explicit LabelParser(std::vector<Item> items) : items_(std::move(items)) {}

  Result<std::vector<Requirement>> parse() {
    std::vector<Requirement> out;
    while (true) {
      auto [tok, lit] = lookahead(true);
      if (tok == Tok::kEnd) return out;
      if (tok != Tok::kIdentifier && tok != Tok::kDoesNotExist) {
        return error(fmt::format("found '{}', expected: !, identifier, or 'end of string'", lit));
      }
      auto r = requirement();
      if (!r) return fail(ErrorCode::kBadRequest, "unable to parse requirement: " + r.error().message);
      out.push_back(std::move(*r));
      auto [t, l] = consume(true);
      if (t == Tok::kEnd) return out;
      if (t != Tok::kComma) return error(fmt::format("found '{}', expected: ',' or 'end of string'", l));
      auto [t2, l2] = lookahead(true);
      if (t2 != Tok::kIdentifier && t2 != Tok::kDoesNotExist) {
        return error(fmt::format("found '{}', expected: identifier after ','", l2));
      }
    }
  }

 private:
  static tl::unexpected<Error> error(std::string message) { return fail(ErrorCode::kBadRequest, std::move(message)); }

  // In the Values context the keywords `in` and `notin` are plain identifiers.
  std::pair<Tok, std::string> lookahead(bool values) const {
    const Item& item = items_[std::min(position_, items_.size() - 1)];
    Tok tok = item.tok;
    if (values && (tok == Tok::kIn || tok == Tok::kNotIn)) tok = Tok::kIdentifier;
    return {tok, item.literal};
  }
  std::pair<Tok, std::string> consume(bool values) {
    auto r = lookahead(values);
    if (position_ < items_.size()) ++position_;
    return r;
  }

  Result<Requirement> requirement() {
    SelectorOp op = SelectorOp::kEquals;
    bool not_exists = false;
    auto [tok, literal] = consume(true);
    if (tok == Tok::kDoesNotExist) {
      not_exists = true;
      std::tie(tok, literal) = consume(true);
    }
    if (tok != Tok::kIdentifier) return error(fmt::format("found '{}', expected: identifier", literal));
    std::string key = literal;
    if (Messages m = is_qualified_name(key); !m.empty()) {
      return error(invalid(FieldPath("key"), key, join(m, "; ")).to_string());
    }
    auto [next, _] = lookahead(true);
    if (next == Tok::kEnd || next == Tok::kComma || not_exists) {
      return new_requirement(std::move(key), not_exists ? SelectorOp::kDoesNotExist : SelectorOp::kExists, {});
    }
    auto [op_tok, op_lit] = consume(false);
    switch (op_tok) {
      case Tok::kIn:
        op = SelectorOp::kIn;
        break;
      case Tok::kNotIn:
        op = SelectorOp::kNotIn;
        break;
      case Tok::kEquals:
        op = SelectorOp::kEquals;
        break;
      case Tok::kDoubleEquals:
        op = SelectorOp::kDoubleEquals;
        break;
      case Tok::kNotEquals:
        op = SelectorOp::kNotEquals;
        break;
      case Tok::kGreaterThan:
        op = SelectorOp::kGreaterThan;
        break;
      case Tok::kLessThan:
        op = SelectorOp::kLessThan;
        break;
      default:
        return error(fmt::format("found '{}', expected: in, notin, =, ==, !=, gt, lt", op_lit));
    }
    auto values = (op == SelectorOp::kIn || op == SelectorOp::kNotIn) ? set_values() : exact_value();
    if (!values) return tl::unexpected(values.error());
    sort_unique(*values);
    return new_requirement(std::move(key), op, std::move(*values));
  }

  Result<std::vector<std::string>> exact_value() {
    auto [tok, lit] = lookahead(true);
    if (tok == Tok::kEnd || tok == Tok::kComma) return std::vector<std::string>{""};
    consume(true);
    if (tok == Tok::kIdentifier) return std::vector<std::string>{lit};
    return error(fmt::format("found '{}', expected: identifier", lit));
  }

  Result<std::vector<std::string>> set_values() {
    auto [tok, lit] = consume(true);
    if (tok != Tok::kOpenPar) return error(fmt::format("found '{}' expected: '('", lit));
    std::tie(tok, lit) = lookahead(true);
    if (tok == Tok::kClosedPar) {
      consume(true);
      return std::vector<std::string>{""};
    }
    if (tok != Tok::kIdentifier && tok != Tok::kComma) {
      return error(fmt::format("found '{}', expected: ',', ')' or identifier", lit));
    }
    std::vector<std::string> values;
    while (true) {
      auto [t, l] = consume(true);
      if (t == Tok::kIdentifier) {
        values.push_back(l);
        auto [t2, l2] = lookahead(true);
        if (t2 == Tok::kComma) {
          consume(true);
          continue;
        }
        if (t2 == Tok::kClosedPar) break;
        return error(fmt::format("found '{}', expected: ',' or ')'", l2));
      }
      if (t == Tok::kComma) {
        if (values.empty()) values.push_back("");
        auto [t2, _] = lookahead(true);
        if (t2 == Tok::kClosedPar) {
          values.push_back("");
          break;
        }
        if (t2 == Tok::kComma) {
          consume(true);
          values.push_back("");
        }
        continue;
      }
      return error(fmt::format("found '{}', expected: ',', or identifier", l));
    }
    auto [close, close_lit] = consume(true);
    if (close != Tok::kClosedPar) return error(fmt::format("found '{}', expected: ')'", close_lit));
    return values;
  }

  std::vector<Item> items_;
  size_t position_ = 0;
};

// fields: split on separators not preceded by a backslash escape.
std::vector<std::string> split_escaped(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::string current;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      current += s[i];
      current += s[++i];
    } else if (s[i] == sep) {
      out.push_back(std::move(current));
      current.clear();
    } else {
      current += s[i];
    }
  }
  out.push_back(std::move(current));
  return out;
}

Result<std::string> unescape_field_value(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\') {
      if (i + 1 >= s.size())
        return fail(ErrorCode::kBadRequest, "invalid field selector: unescaped character in value: \\");
      char n = s[++i];
      if (n != '\\' && n != ',' && n != '=') {
        return fail(ErrorCode::kBadRequest, fmt::format("invalid field selector: invalid escape sequence: \\{}", n));
      }
      out += n;
    } else if (c == ',' || c == '=') {
      return fail(ErrorCode::kBadRequest, fmt::format("invalid field selector: unescaped character in value: {}", c));
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_field_value(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == ',' || c == '=') out += '\\';
    out += c;
  }
  return out;
}

bool contains(const std::vector<std::string>& values, const std::string& v) {
  return std::binary_search(values.begin(), values.end(), v);
}

}  // namespace

std::string Requirement::to_string() const {
  std::string vals = join(values, ",");
  switch (op) {
    case SelectorOp::kExists:
      return key;
    case SelectorOp::kDoesNotExist:
      return "!" + key;
    case SelectorOp::kEquals:
      return key + "=" + vals;
    case SelectorOp::kDoubleEquals:
      return key + "==" + vals;
    case SelectorOp::kNotEquals:
      return key + "!=" + vals;
    case SelectorOp::kIn:
      return key + " in (" + vals + ")";
    case SelectorOp::kNotIn:
      return key + " notin (" + vals + ")";
    case SelectorOp::kGreaterThan:
      return key + ">" + vals;
    case SelectorOp::kLessThan:
      return key + "<" + vals;
  }
  return key;
}

Selector Selector::nothing() {
  Selector s;
  s.nothing_ = true;
  return s;
}

Result<Selector> Selector::parse_labels(std::string_view text) {
  LabelParser parser(lex(text));
  auto reqs = parser.parse();
  if (!reqs) return tl::unexpected(reqs.error());
  std::stable_sort(reqs->begin(), reqs->end(),
                   [](const Requirement& a, const Requirement& b) { return a.key < b.key; });
  Selector s;
  s.requirements_ = std::move(*reqs);
  return s;
}

Result<Selector> Selector::parse_fields(std::string_view text) {
  Selector s;
  s.kind_ = Kind::kFields;
  std::vector<std::string> parts = split_escaped(text, ',');
  std::sort(parts.begin(), parts.end());
  for (const std::string& part : parts) {
    if (part.empty()) continue;
    std::optional<Requirement> req;
    for (size_t i = 0; i < part.size() && !req; ++i) {
      std::string_view rest = std::string_view(part).substr(i);
      for (auto [op_text, op] : {std::pair{std::string_view("!="), SelectorOp::kNotEquals},
                                 std::pair{std::string_view("=="), SelectorOp::kDoubleEquals},
                                 std::pair{std::string_view("="), SelectorOp::kEquals}}) {
        if (rest.starts_with(op_text)) {
          auto value = unescape_field_value(rest.substr(op_text.size()));
          if (!value) return tl::unexpected(value.error());
          req = Requirement{part.substr(0, i), op, {*value}};
          break;
        }
      }
    }
    if (!req) {
      return fail(ErrorCode::kBadRequest, fmt::format("invalid selector: '{}'; can't understand '{}'", text, part));
    }
    s.requirements_.push_back(std::move(*req));
  }
  return s;
}

Result<Selector> Selector::from_label_selector(const Json& selector) {
  if (selector.is_null()) return nothing();
  if (!selector.is_object()) return fail(ErrorCode::kInvalid, "a label selector must be an object");
  Selector s;
  if (auto it = selector.find("matchLabels"); it != selector.end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) return fail(ErrorCode::kInvalid, fmt::format("matchLabels[{}] must be a string", k));
      auto r = new_requirement(k, SelectorOp::kEquals, {v.get<std::string>()});
      if (!r) return tl::unexpected(r.error());
      s.requirements_.push_back(std::move(*r));
    }
  }
  if (auto it = selector.find("matchExpressions"); it != selector.end() && it->is_array()) {
    for (const Json& expr : *it) {
      std::string key = expr.value("key", "");
      std::string op_text = expr.value("operator", "");
      std::vector<std::string> values;
      if (auto v = expr.find("values"); v != expr.end() && v->is_array()) {
        for (const Json& x : *v) values.push_back(x.is_string() ? x.get<std::string>() : x.dump());
      }
      SelectorOp op;
      if (op_text == "In") {
        op = SelectorOp::kIn;
      } else if (op_text == "NotIn") {
        op = SelectorOp::kNotIn;
      } else if (op_text == "Exists") {
        op = SelectorOp::kExists;
      } else if (op_text == "DoesNotExist") {
        op = SelectorOp::kDoesNotExist;
      } else {
        return fail(ErrorCode::kInvalid, fmt::format("{} is not a valid label selector operator", go_quote(op_text)));
      }
      sort_unique(values);
      auto r = new_requirement(std::move(key), op, std::move(values));
      if (!r) return tl::unexpected(r.error());
      s.requirements_.push_back(std::move(*r));
    }
  }
  std::stable_sort(s.requirements_.begin(), s.requirements_.end(),
                   [](const Requirement& a, const Requirement& b) { return a.key < b.key; });
  return s;
}

bool Selector::matches(const std::function<std::optional<std::string>(std::string_view)>& lookup) const {
  if (nothing_) return false;
  for (const Requirement& r : requirements_) {
    std::optional<std::string> v = lookup(r.key);
    if (kind_ == Kind::kFields) {
      std::string actual = v.value_or("");
      bool equal = actual == r.values.front();
      if (r.op == SelectorOp::kNotEquals ? equal : !equal) return false;
      continue;
    }
    bool ok = false;
    switch (r.op) {
      case SelectorOp::kIn:
      case SelectorOp::kEquals:
      case SelectorOp::kDoubleEquals:
        ok = v && contains(r.values, *v);
        break;
      case SelectorOp::kNotIn:
      case SelectorOp::kNotEquals:
        ok = !v || !contains(r.values, *v);
        break;
      case SelectorOp::kExists:
        ok = v.has_value();
        break;
      case SelectorOp::kDoesNotExist:
        ok = !v.has_value();
        break;
      case SelectorOp::kGreaterThan:
      case SelectorOp::kLessThan: {
        int64_t have = 0, want = 0;
        if (!v || !parses_int64(*v) || r.values.size() != 1) break;
        have = std::stoll(*v);
        want = std::stoll(r.values.front());
        ok = r.op == SelectorOp::kGreaterThan ? have > want : have < want;
        break;
      }
    }
    if (!ok) return false;
  }
  return true;
}

bool Selector::matches_labels(const Json& labels) const {
  return matches([&labels](std::string_view key) -> std::optional<std::string> {
    if (!labels.is_object()) return std::nullopt;
    auto it = labels.find(key);
    if (it == labels.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  });
}

std::string Selector::to_string() const {
  std::vector<std::string> parts;
  for (const Requirement& r : requirements_) {
    if (kind_ == Kind::kFields) {
      parts.push_back(r.key + (r.op == SelectorOp::kNotEquals ? "!=" : "=") + escape_field_value(r.values.front()));
    } else {
      parts.push_back(r.to_string());
    }
  }
  return join(parts, ",");
}

FieldErrors validate_labels(const Json& labels, const FieldPath& path) {
  FieldErrors errs;
  if (!labels.is_object()) return errs;
  for (const auto& [k, v] : labels.items()) {
    for (const std::string& m : is_qualified_name(k)) errs.push_back(invalid(path, k, m));
    if (v.is_string()) {
      for (const std::string& m : is_valid_label_value(v.get<std::string>())) errs.push_back(invalid(path, v, m));
    }
  }
  return errs;
}

FieldErrors validate_label_selector(const Json& selector, const FieldPath& path) {
  FieldErrors errs;
  if (!selector.is_object()) return errs;
  if (auto it = selector.find("matchLabels"); it != selector.end()) {
    FieldErrors e = validate_labels(*it, path.child("matchLabels"));
    errs.insert(errs.end(), e.begin(), e.end());
  }
  auto it = selector.find("matchExpressions");
  if (it == selector.end() || !it->is_array()) return errs;
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& expr = (*it)[i];
    FieldPath p = path.child("matchExpressions").index(i);
    std::string op = expr.is_object() ? expr.value("operator", "") : "";
    const Json values =
        expr.is_object() && expr.contains("values") && expr["values"].is_array() ? expr["values"] : Json::array();
    if (op == "In" || op == "NotIn") {
      if (values.empty())
        errs.push_back(required(p.child("values"), "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (op == "Exists" || op == "DoesNotExist") {
      if (!values.empty()) {
        errs.push_back(
            forbidden(p.child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      }
    } else {
      errs.push_back(invalid(p.child("operator"), op, "not a valid selector operator"));
    }
    std::string key = expr.is_object() ? expr.value("key", "") : "";
    for (const std::string& m : is_qualified_name(key)) errs.push_back(invalid(p.child("key"), key, m));
    for (size_t j = 0; j < values.size(); ++j) {
      if (!values[j].is_string()) continue;
      for (const std::string& m : is_valid_label_value(values[j].get<std::string>())) {
        errs.push_back(invalid(p.child("values").index(j), values[j], m));
      }
    }
  }
  return errs;
}

}  // namespace kthena::api
