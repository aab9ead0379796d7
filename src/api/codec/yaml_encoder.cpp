#include "api/codec/yaml_encoder.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <string_view>

#include "api/codec/scalar_resolver.h"

namespace kthena::api {
namespace {

constexpr size_t kBestWidth = 80;  // go-yaml's line width for folding plain scalars

bool is_blank_or_end(std::string_view s, size_t i) {
  return i >= s.size() || s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r';
}

// Length of the UTF-8 sequence at s[i] (1 for ASCII and stray bytes).
size_t sequence_length(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  return std::min(n, s.size() - i);
}

uint32_t code_point(std::string_view s, size_t i, size_t len) {
  auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(s[i + k])); };
  switch (len) {
    case 1:
      return b(0);
    case 2:
      return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3:
      return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    default:
      return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
  }
}

// Characters go-yaml v2 does not print as they are (its is_printable), so only a double-quoted scalar can hold them.
bool is_special(uint32_t cp) {
  if (cp == '\n') return false;
  if (cp < 0x20 || cp == 0x7F) return true;
  if (cp >= 0x80 && cp < 0xA0) return true;
  if (cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF) return true;
  return cp >= 0x10000;
}

struct Analysis {
  bool multiline = false;
  bool special = false;
  bool plain_allowed = true;
  bool single_allowed = true;
  bool block_allowed = true;
};

// go-yaml v2's yaml_emitter_analyze_scalar, for block context.
Analysis analyze(std::string_view s) {
  Analysis a;
  if (s.empty()) {
    a.plain_allowed = false;
    return a;
  }
  if (s.substr(0, 3) == "---" || s.substr(0, 3) == "...") a.plain_allowed = false;
  bool previous_space = false, previous_break = false;
  for (size_t i = 0; i < s.size();) {
    size_t len = sequence_length(s, i);
    uint32_t cp = code_point(s, i, len);
    char c = s[i];
    bool followed_by_blank = is_blank_or_end(s, i + len);
    bool preceded_by_blank = i == 0 || previous_space || previous_break;
    if (i == 0) {
      if (std::string_view("#,[]{}&*!|>'\"%@`?:").find(c) != std::string_view::npos) a.plain_allowed = false;
      if (c == '-' && followed_by_blank) a.plain_allowed = false;
    } else {
      if (c == ':' && followed_by_blank) a.plain_allowed = false;
      if (c == '#' && preceded_by_blank) a.plain_allowed = false;
    }
    if (is_special(cp)) a.special = true;
    if (c == '\n') {
      a.multiline = true;
      if (previous_space) a.block_allowed = false;  // a space before a break does not survive a literal block
      previous_break = true;
      previous_space = false;
    } else if (c == ' ') {
      if (previous_break) a.single_allowed = false;
      previous_space = true;
      previous_break = false;
    } else {
      previous_space = previous_break = false;
    }
    i += len;
  }
  if (s.front() == ' ' || s.back() == ' ' || s.front() == '\n' || s.back() == '\n') a.plain_allowed = false;
  if (s.back() == ' ') a.block_allowed = false;
  if (a.multiline) a.plain_allowed = a.single_allowed = false;
  if (a.special) a.plain_allowed = a.single_allowed = a.block_allowed = false;
  return a;
}

class YamlWriter {
 public:
  std::string take() { return std::move(out_); }

  void document(const Json& v) {
    if (v.is_object() && !v.empty()) return map(v, 0, false);
    if (v.is_array() && !v.empty()) return sequence(v, 0, false);
    // A root scalar has no parent indentation for an indentation indicator to count from: quote instead.
    if (v.is_string()) {
      const std::string& s = v.get_ref<const std::string&>();
      if (!s.empty() && (s.front() == ' ' || s.front() == '\n') && s.find('\n') != std::string::npos) {
        double_quoted(s);
        out_ += '\n';
        return;
      }
    }
    value_after_indicator(v, 2);
  }

 private:
  void indent(size_t n) { out_.append(n, ' '); }

  size_t column() const {
    size_t start = out_.rfind('\n');
    start = start == std::string::npos ? 0 : start + 1;
    size_t col = 0;
    for (size_t i = start; i < out_.size(); ++i) col += (static_cast<unsigned char>(out_[i]) & 0xC0) != 0x80;
    return col;
  }

  // `first_inline`: the first key goes on the current line (after "- ").
  void map(const Json& v, size_t ind, bool first_inline) {
    bool first = true;
    for (const auto& [key, value] : v.items()) {
      if (!first || !first_inline) indent(ind);
      first = false;
      key_scalar(key);
      out_ += ':';
      if (value.is_object() && !value.empty()) {
        out_ += '\n';
        map(value, ind + 2, false);
      } else if (value.is_array() && !value.empty()) {
        out_ += '\n';
        sequence(value, ind, false);
      } else {
        out_ += ' ';
        value_after_indicator(value, ind + 2);
      }
    }
  }

  void sequence(const Json& v, size_t ind, bool first_inline) {
    bool first = true;
    for (const Json& item : v) {
      if (!first || !first_inline) indent(ind);
      first = false;
      out_ += "- ";
      if (item.is_object() && !item.empty()) {
        map(item, ind + 2, true);
      } else if (item.is_array() && !item.empty()) {
        sequence(item, ind + 2, true);
      } else {
        value_after_indicator(item, ind + 2);
      }
    }
  }

  // A scalar or an empty collection after "key: " or "- ", then the line break. `ind` is where continuation and
  // literal-block lines go.
  void value_after_indicator(const Json& v, size_t ind) {
    switch (v.type()) {
      case Json::value_t::object:
        out_ += "{}";
        break;
      case Json::value_t::array:
        out_ += "[]";
        break;
      case Json::value_t::null:
        out_ += "null";
        break;
      case Json::value_t::boolean:
        out_ += v.get<bool>() ? "true" : "false";
        break;
      case Json::value_t::number_integer:
        out_ += std::to_string(v.get<int64_t>());
        break;
      case Json::value_t::number_unsigned:
        out_ += std::to_string(v.get<uint64_t>());
        break;
      case Json::value_t::number_float:
        out_ += format_go_float(v.get<double>());
        break;
      case Json::value_t::string:
        string_scalar(v.get_ref<const std::string&>(), ind, true);
        return;
      case Json::value_t::binary:
      case Json::value_t::discarded:
        out_ += "null";
        break;
    }
    out_ += '\n';
  }

  void key_scalar(const std::string& key) {
    Analysis a = analyze(key);
    if (a.plain_allowed && plain_reads_as_string(key)) {
      out_ += key;
    } else if (a.single_allowed && plain_reads_as_string(key) && !key.empty()) {
      single_quoted(key);
    } else {
      double_quoted(key);
    }
  }

  void string_scalar(const std::string& s, size_t ind, bool allow_breaks) {
    Analysis a = analyze(s);
    if (a.multiline && a.block_allowed) return literal(s, ind);
    if (!a.multiline && !plain_reads_as_string(s)) {
      double_quoted(s);
    } else if (a.plain_allowed) {
      plain(s, ind, allow_breaks);
    } else if (a.single_allowed) {
      single_quoted(s, ind, allow_breaks);
    } else {
      double_quoted(s);
    }
    out_ += '\n';
  }

  void plain(std::string_view s, size_t ind, bool allow_breaks) {
    size_t col = column();
    for (size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if (c == ' ' && allow_breaks && col > kBestWidth && i > 0 && s[i - 1] != ' ' && i + 1 < s.size() &&
          s[i + 1] != ' ') {
        out_ += '\n';
        indent(ind);
        col = ind;
        continue;
      }
      out_ += c;
      if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++col;
    }
  }

  // Folded like a plain scalar when `allow_breaks` (go-yaml folds both styles at the same width).
  void single_quoted(std::string_view s, size_t ind = 0, bool allow_breaks = false) {
    out_ += '\'';
    size_t col = column();
    for (size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if (c == ' ' && allow_breaks && col > kBestWidth && i > 0 && s[i - 1] != ' ' && i + 1 < s.size() &&
          s[i + 1] != ' ') {
        out_ += '\n';
        indent(ind);
        col = ind;
        continue;
      }
      if (c == '\'') {
        out_ += '\'';
        ++col;
      }
      out_ += c;
      if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++col;
    }
    out_ += '\'';
  }

  void double_quoted(std::string_view s) {
    out_ += '"';
    for (size_t i = 0; i < s.size();) {
      size_t len = sequence_length(s, i);
      uint32_t cp = code_point(s, i, len);
      switch (cp) {
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\t':
          out_ += "\\t";
          break;
        case '\r':
          out_ += "\\r";
          break;
        case 0:
          out_ += "\\0";
          break;
        default:
          if (is_special(cp)) {
            out_ += cp <= 0xFF     ? fmt::format("\\x{:02X}", cp)
                    : cp <= 0xFFFF ? fmt::format("\\u{:04X}", cp)
                                   : fmt::format("\\U{:08X}", cp);
          } else {
            out_.append(s.substr(i, len));
          }
      }
      i += len;
    }
    out_ += '"';
  }

  void literal(std::string_view s, size_t ind) {
    size_t trailing = 0;
    while (trailing < s.size() && s[s.size() - 1 - trailing] == '\n') ++trailing;
    out_ += '|';
    if (s.front() == ' ' || s.front() == '\n') out_ += "2";
    out_ += trailing == 0 ? "-" : trailing == 1 ? "" : "+";
    out_ += '\n';
    std::string_view body = trailing == 0 ? s : s.substr(0, s.size() - 1);
    size_t start = 0;
    while (true) {
      size_t end = body.find('\n', start);
      std::string_view line = body.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
      if (!line.empty()) indent(ind);
      out_.append(line);
      out_ += '\n';
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
  }

  std::string out_;
};

}  // namespace

std::string format_go_float(double v) {
  if (std::isnan(v)) return ".nan";
  if (std::isinf(v)) return v > 0 ? ".inf" : "-.inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(end - buf));  // "-d.ddde+XX"
  bool negative = sci.front() == '-';
  if (negative) sci.remove_prefix(1);
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits += c;
  }
  int exp = std::stoi(std::string(sci.substr(e + 1)));
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out = negative ? "-" : "";
  // %e when the exponent is < -4 or >= 6 (Go uses precision 6 for this decision in shortest mode).
  if (exp < -4 || exp >= 6) {
    out += digits[0];
    if (digits.size() > 1) out += "." + digits.substr(1);
    out += fmt::format("e{}{:02d}", exp < 0 ? '-' : '+', std::abs(exp));
    return out;
  }
  if (exp < 0) {
    out += "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  } else if (static_cast<size_t>(exp) + 1 >= digits.size()) {
    out += digits + std::string(static_cast<size_t>(exp) + 1 - digits.size(), '0');
  } else {
    out += digits.substr(0, static_cast<size_t>(exp) + 1) + "." + digits.substr(static_cast<size_t>(exp) + 1);
  }
  return out;
}

std::string encode_yaml(const Json& value) {
  YamlWriter writer;
  writer.document(value);
  return writer.take();
}

std::string encode_yaml_documents(const std::vector<Json>& documents) {
  std::string out;
  for (size_t i = 0; i < documents.size(); ++i) {
    if (i) out += "---\n";
    out += encode_yaml(documents[i]);
  }
  return out;
}

}  // namespace kthena::api
