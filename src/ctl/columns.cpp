#include "ctl/columns.h"

#include <algorithm>
#include <cctype>

#include "api/json_fields.h"
#include "api/values/human_duration.h"
#include "ctl/conditions.h"

namespace kthena::ctl {
namespace {

using api::lenient::member;
using api::lenient::str;

std::string integer_text(const Json& value, int64_t fallback) {
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  return std::to_string(fallback);
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// tabwriter counts runes, not bytes: a UTF-8 name must not shift the columns.
size_t display_width(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80;
  return width;
}

}  // namespace

void print_table(std::ostream& out, const Table& table) {
  const size_t columns = table.headers.size();
  std::vector<size_t> width(columns, 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t c = 0; c < columns && c < row.size(); ++c) width[c] = std::max(width[c], display_width(row[c]));
  };
  measure(table.headers);
  for (const auto& row : table.rows) measure(row);
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < columns; ++c) {
      const std::string cell = c < row.size() ? row[c] : std::string();
      line += cell;
      if (c + 1 < columns) line.append(std::max<size_t>(width[c] + 3, 6) - display_width(cell), ' ');
    }
    out << line << "\n";
  };
  print(table.headers);
  for (const auto& row : table.rows) print(row);
}

std::string booster_status(const Json& booster) {
  if (condition_true(booster, "Failed")) return "Failed";
  if (condition_true(booster, "Active")) return "Active";
  if (condition_true(booster, "Initialized")) return "Initialized";
  return "Unknown";
}

std::string serving_status(const Json& serving) {
  if (condition_true(serving, "Available")) return "Available";
  if (condition_true(serving, "UpdateInProgress")) return "Updating";
  if (condition_true(serving, "Progressing")) return "Progressing";
  return "Unknown";
}

std::string serving_ready(const Json& serving) {
  return integer_text(member(member(serving, "status"), "availableReplicas"), 0) + "/" +
         integer_text(member(member(serving, "spec"), "replicas"), 1);
}

std::string object_age(const Json& object, std::chrono::system_clock::time_point now) {
  return api::age_of(str(member(object, "metadata"), "creationTimestamp"), now);
}

std::vector<Json> filter_by_name(const std::vector<Json>& items, std::string_view filter) {
  if (filter.empty()) return items;
  const std::string wanted = lower(filter);
  std::vector<Json> kept;
  for (const Json& item : items) {
    if (lower(str(member(item, "metadata"), "name")).find(wanted) != std::string::npos) kept.push_back(item);
  }
  return kept;
}

Table kind_table(KthenaKind kind, const std::vector<Json>& items, bool all_namespaces,
                 std::chrono::system_clock::time_point now) {
  Table table;
  switch (kind) {
    case KthenaKind::kModelBooster:
      table.headers = {"NAME", "STATUS", "AGE"};
      break;
    case KthenaKind::kModelServing:
      table.headers = {"NAME", "READY", "STATUS", "AGE"};
      break;
    case KthenaKind::kModelRoute:
      table.headers = {"NAME", "MODEL", "RULES", "AGE"};
      break;
    case KthenaKind::kModelServer:
      table.headers = {"NAME", "ENGINE", "PORT", "AGE"};
      break;
    case KthenaKind::kAutoscalingPolicy:
      table.headers = {"NAME", "AGE"};
      break;
  }
  if (all_namespaces) table.headers.insert(table.headers.begin(), "NAMESPACE");
  for (const Json& item : items) {
    const Json& metadata = member(item, "metadata");
    const Json& spec = member(item, "spec");
    std::vector<std::string> row;
    if (all_namespaces) row.push_back(str(metadata, "namespace"));
    row.push_back(str(metadata, "name"));
    switch (kind) {
      case KthenaKind::kModelBooster:
        row.push_back(booster_status(item));
        break;
      case KthenaKind::kModelServing:
        row.push_back(serving_ready(item));
        row.push_back(serving_status(item));
        break;
      case KthenaKind::kModelRoute: {
        row.push_back(str(spec, "modelName"));
        const Json& rules = member(spec, "rules");
        row.push_back(std::to_string(rules.is_array() ? rules.size() : 0));
        break;
      }
      case KthenaKind::kModelServer:
        row.push_back(str(spec, "inferenceEngine"));
        row.push_back(integer_text(member(member(spec, "workloadPort"), "port"), 0));
        break;
      case KthenaKind::kAutoscalingPolicy:
        break;
    }
    row.push_back(object_age(item, now));
    table.rows.push_back(std::move(row));
  }
  return table;
}

}  // namespace kthena::ctl
