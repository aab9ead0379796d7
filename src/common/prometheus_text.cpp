#include "common/prometheus_text.h"

#include <charconv>
#include <cstdint>
#include <unordered_map>

namespace kthena {
namespace {

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}
bool is_label_start(char c) {
  return is_name_start(c) && c != ':';
}
bool is_label_char(char c) {
  return is_name_char(c) && c != ':';
}
bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

// What `s` adds to `prefix`, or "" when it does not start with it (no family suffix is empty).
std::string_view suffix_of(std::string_view s, std::string_view prefix) {
  return s.starts_with(prefix) ? s.substr(prefix.size()) : std::string_view();
}

// One line being read, left to right. Errors carry the line number, so an engine's maintainer can find the line.
class LineReader {
 public:
  LineReader(std::string_view line, size_t number) : line_(line), number_(number) {}

  bool at_end() const { return pos_ >= line_.size(); }
  char peek() const { return at_end() ? '\0' : line_[pos_]; }
  void skip_blanks() {
    while (!at_end() && is_blank(line_[pos_])) ++pos_;
  }
  std::string_view rest() const { return line_.substr(std::min(pos_, line_.size())); }

  std::string_view word() {
    size_t start = pos_;
    while (!at_end() && !is_blank(line_[pos_])) ++pos_;
    return line_.substr(start, pos_ - start);
  }

  Result<std::string_view> metric_name() {
    size_t start = pos_;
    if (at_end() || !is_name_start(line_[pos_])) return error("expected a metric name");
    while (!at_end() && is_name_char(line_[pos_])) ++pos_;
    return line_.substr(start, pos_ - start);
  }

  Result<std::string_view> label_name() {
    size_t start = pos_;
    if (at_end() || !is_label_start(line_[pos_])) return error("expected a label name");
    while (!at_end() && is_label_char(line_[pos_])) ++pos_;
    return line_.substr(start, pos_ - start);
  }

  bool consume(char c) {
    if (peek() != c || at_end()) return false;
    ++pos_;
    return true;
  }

  // A quoted label value after its opening quote, up to and including the closing one: \\, \" and \n only.
  Result<std::string> label_value() {
    std::string out;
    while (!at_end()) {
      char c = line_[pos_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_end()) break;
      char e = line_[pos_++];
      if (e == '\\' || e == '"') {
        out += e;
      } else if (e == 'n') {
        out += '\n';
      } else {
        return error(std::string("invalid escape \\") + e + " in a label value");
      }
    }
    return error("label value without its closing quote");
  }

  // The rest of a HELP line: \\ and \n only.
  Result<std::string> docstring() {
    std::string out;
    while (!at_end()) {
      char c = line_[pos_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_end()) return error("HELP text ends in a lone backslash");
      char e = line_[pos_++];
      if (e == '\\') {
        out += '\\';
      } else if (e == 'n') {
        out += '\n';
      } else {
        return error(std::string("invalid escape \\") + e + " in HELP text");
      }
    }
    return out;
  }

  tl::unexpected<Error> error(std::string message) const {
    size_t column = std::min(pos_, line_.size()) + 1;
    return fail(ErrorCode::kBadRequest, std::move(message),
                "line " + std::to_string(number_) + " column " + std::to_string(column));
  }

 private:
  std::string_view line_;
  size_t number_;
  size_t pos_ = 0;
};

// A float as Prometheus' parser (Go's strconv.ParseFloat) reads it; the decimal and the special forms only.
bool valid_float(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty() || s[0] == '+') return false;
  double d = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  // A value too large for a double is still a float to Go (±Inf), and one too small is 0.
  return end == s.data() + s.size() && (ec == std::errc() || ec == std::errc::result_out_of_range);
}

bool valid_timestamp(std::string_view s) {
  int64_t t = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), t);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

Result<MetricType> parse_type(std::string_view word) {
  if (word == "counter") return MetricType::kCounter;
  if (word == "gauge") return MetricType::kGauge;
  if (word == "histogram") return MetricType::kHistogram;
  if (word == "summary") return MetricType::kSummary;
  if (word == "untyped") return MetricType::kUntyped;
  return fail(ErrorCode::kBadRequest, "unknown metric type \"" + std::string(word) + "\"");
}

// The families read so far and which family each sample name belongs to.
class Builder {
 public:
  explicit Builder(std::vector<MetricFamily>& families) : families_(families) {}

  Result<void> help(const LineReader& line, std::string_view name, std::string text) {
    if (MetricFamily* f = current(name); f != nullptr && !f->help) {
      f->help = std::move(text);
      return {};
    }
    if (auto used = user_of(name))
      return line.error("HELP line for " + std::string(name) + ", a name already used by " + *used);
    MetricFamily family;
    family.name = std::string(name);
    family.help = std::move(text);
    return add(line, std::move(family));
  }

  Result<void> type(const LineReader& line, std::string_view name, MetricType type) {
    if (MetricFamily* f = current(name); f != nullptr && !f->type_declared && f->samples.empty()) {
      f->type = type;
      f->type_declared = true;
      return claim(line, families_.size() - 1);
    }
    if (auto used = user_of(name)) {
      return line.error("TYPE line for " + std::string(name) + " after the samples or the TYPE line of " + *used);
    }
    MetricFamily family;
    family.name = std::string(name);
    family.type = type;
    family.type_declared = true;
    return add(line, std::move(family));
  }

  Result<void> sample(const LineReader& line, Sample sample) {
    if (!families_.empty()) {
      MetricFamily& last = families_.back();
      if (is_sample_of(last.name, last.type, sample.name)) {
        last.samples.push_back(std::move(sample));
        return {};
      }
    }
    if (auto used = user_of(sample.name)) {
      return line.error("sample " + sample.name + " belongs to " + *used +
                        ", whose samples must be contiguous and fit its type");
    }
    MetricFamily family;
    family.name = sample.name;
    family.samples.push_back(std::move(sample));
    return add(line, std::move(family));
  }

 private:
  MetricFamily* current(std::string_view name) {
    return !families_.empty() && families_.back().name == name ? &families_.back() : nullptr;
  }

  std::optional<std::string> user_of(std::string_view name) const {
    auto it = owner_.find(std::string(name));
    if (it == owner_.end()) return std::nullopt;
    return "family " + families_[it->second].name;
  }

  Result<void> add(const LineReader& line, MetricFamily family) {
    families_.push_back(std::move(family));
    return claim(line, families_.size() - 1);
  }

  Result<void> claim(const LineReader& line, size_t index) {
    for (std::string& name : claimed_names(families_[index])) {
      auto [it, inserted] = owner_.try_emplace(std::move(name), index);
      if (!inserted && it->second != index) {
        return line.error("family " + families_[index].name + " would use the sample name " + it->first +
                          " of family " + families_[it->second].name);
      }
    }
    return {};
  }

  std::vector<MetricFamily>& families_;
  std::unordered_map<std::string, size_t> owner_;
};

Result<void> parse_comment(LineReader& line, Builder& builder) {
  line.consume('#');
  line.skip_blanks();
  std::string_view keyword = line.word();
  if (keyword != "HELP" && keyword != "TYPE") return {};  // a plain comment
  line.skip_blanks();
  auto name = line.metric_name();
  if (!name) return tl::unexpected(name.error());
  if (!line.at_end() && !is_blank(line.peek())) return line.error("invalid character in metric name");
  line.skip_blanks();
  if (keyword == "HELP") {
    auto text = line.docstring();
    if (!text) return tl::unexpected(text.error());
    return builder.help(line, *name, std::move(*text));
  }
  std::string_view word = line.word();
  line.skip_blanks();
  if (!line.at_end()) return line.error("unexpected text after the metric type");
  auto type = parse_type(word);
  if (!type) return line.error(type.error().message);
  return builder.type(line, *name, *type);
}

Result<void> parse_sample(LineReader& line, Builder& builder) {
  Sample sample;
  auto name = line.metric_name();
  if (!name) return tl::unexpected(name.error());
  sample.name = std::string(*name);
  bool blank = is_blank(line.peek());
  line.skip_blanks();
  if (line.consume('{')) {
    for (;;) {
      line.skip_blanks();
      if (line.consume('}')) break;
      auto label = line.label_name();
      if (!label) return tl::unexpected(label.error());
      for (const auto& [existing, _] : sample.labels) {
        if (existing == *label) return line.error("label " + existing + " appears twice");
      }
      line.skip_blanks();
      if (!line.consume('=')) return line.error("expected '=' after the label name");
      line.skip_blanks();
      if (!line.consume('"')) return line.error("expected '\"' to open the label value");
      auto value = line.label_value();
      if (!value) return tl::unexpected(value.error());
      sample.labels.emplace_back(std::string(*label), std::move(*value));
      line.skip_blanks();
      if (line.consume('}')) break;
      if (!line.consume(',')) return line.error("expected ',' or '}' after a label");
    }
    line.skip_blanks();
  } else if (!blank && !line.at_end()) {
    return line.error("expected a blank or '{' after the metric name");
  }
  std::string_view value = line.word();
  if (value.empty()) return line.error("sample without a value");
  if (!valid_float(value)) return line.error("invalid value \"" + std::string(value) + "\"");
  sample.value = std::string(value);
  line.skip_blanks();
  if (!line.at_end()) {
    std::string_view timestamp = line.word();
    if (!valid_timestamp(timestamp)) return line.error("invalid timestamp \"" + std::string(timestamp) + "\"");
    sample.timestamp = std::string(timestamp);
    line.skip_blanks();
    if (!line.at_end()) return line.error("unexpected text after the timestamp");
  }
  return builder.sample(line, std::move(sample));
}

void append_escaped(std::string& out, std::string_view s, bool quote) {
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

}  // namespace

std::string_view to_string(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kSummary:
      return "summary";
    case MetricType::kUntyped:
      break;
  }
  return "untyped";
}

bool is_sample_of(std::string_view family, MetricType type, std::string_view sample_name) {
  std::string_view suffix = suffix_of(sample_name, family);
  switch (type) {
    case MetricType::kHistogram:
      return suffix == "_bucket" || suffix == "_sum" || suffix == "_count";
    case MetricType::kSummary:
      return sample_name == family || suffix == "_sum" || suffix == "_count";
    case MetricType::kCounter:
      return sample_name == family || suffix == "_total";
    case MetricType::kGauge:
    case MetricType::kUntyped:
      break;
  }
  return sample_name == family;
}

std::vector<std::string> claimed_names(const MetricFamily& family) {
  std::vector<std::string> names{family.name};
  auto with = [&](std::initializer_list<std::string_view> suffixes) {
    for (std::string_view s : suffixes) names.push_back(family.name + std::string(s));
  };
  switch (family.type) {
    case MetricType::kHistogram:
      with({"_bucket", "_sum", "_count"});
      break;
    case MetricType::kSummary:
      with({"_sum", "_count"});
      break;
    case MetricType::kCounter:
      with({"_total"});
      break;
    case MetricType::kGauge:
    case MetricType::kUntyped:
      break;
  }
  return names;
}

Result<std::vector<MetricFamily>> parse_prometheus_text(std::string_view text) {
  std::vector<MetricFamily> families;
  Builder builder(families);
  size_t number = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view raw = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++number;
    LineReader line(raw, number);
    line.skip_blanks();
    if (line.at_end()) continue;
    Result<void> r = line.peek() == '#' ? parse_comment(line, builder) : parse_sample(line, builder);
    if (!r) return tl::unexpected(r.error());
  }
  return families;
}

void render_family(const MetricFamily& family, std::string& out) {
  if (family.help) {
    out += "# HELP ";
    out += family.name;
    if (!family.help->empty()) {
      out += ' ';
      append_escaped(out, *family.help, false);
    }
    out += '\n';
  }
  if (family.type_declared) {
    out += "# TYPE ";
    out += family.name;
    out += ' ';
    out += to_string(family.type);
    out += '\n';
  }
  for (const Sample& s : family.samples) {
    out += s.name;
    if (!s.labels.empty()) {
      out += '{';
      for (size_t i = 0; i < s.labels.size(); ++i) {
        if (i > 0) out += ',';
        out += s.labels[i].first;
        out += "=\"";
        append_escaped(out, s.labels[i].second, true);
        out += '"';
      }
      out += '}';
    }
    out += ' ';
    out += s.value;
    if (s.timestamp) {
      out += ' ';
      out += *s.timestamp;
    }
    out += '\n';
  }
}

std::string render_prometheus_text(std::span<const MetricFamily> families) {
  std::string out;
  for (const MetricFamily& f : families) render_family(f, out);
  return out;
}

}  // namespace kthena
