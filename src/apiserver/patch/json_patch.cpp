#include "apiserver/patch/json_patch.h"

#include <fmt/format.h>

#include <charconv>
#include <string>
#include <vector>

namespace kthena::apiserver {
namespace {

struct Pointer {
  std::vector<std::string> tokens;
};

Result<Pointer> parse_pointer(const std::string& text) {
  Pointer pointer;
  if (text.empty()) return pointer;
  if (text[0] != '/') return fail(ErrorCode::kBadRequest, "a JSON pointer must start with '/'");
  size_t start = 1;
  for (;;) {
    size_t end = text.find('/', start);
    std::string raw = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::string token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        token += raw[i];
      } else if (i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token += raw[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        return fail(ErrorCode::kBadRequest, "invalid escape '~' in JSON pointer");
      }
    }
    pointer.tokens.push_back(std::move(token));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return pointer;
}

// An array index; `allow_end` accepts "-" (one past the end) and the size itself, for add.
Result<size_t> array_index(const std::string& token, size_t size, bool allow_end) {
  if (token == "-" && allow_end) return size;
  size_t index = 0;
  auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
  if (ec != std::errc() || ptr != token.data() + token.size() || token.empty() ||
      (token.size() > 1 && token[0] == '0')) {
    return fail(ErrorCode::kInvalid, "invalid array index \"" + token + "\"");
  }
  if (index > size || (index == size && !allow_end)) {
    return fail(ErrorCode::kInvalid, fmt::format("array index {} out of bounds (length {})", index, size));
  }
  return index;
}

// The value the pointer names, or an error.
Result<Json*> resolve(Json& doc, const Pointer& pointer) {
  Json* node = &doc;
  for (const auto& token : pointer.tokens) {
    if (node->is_object()) {
      auto it = node->find(token);
      if (it == node->end()) return fail(ErrorCode::kInvalid, "missing value");
      node = &*it;
    } else if (node->is_array()) {
      auto index = array_index(token, node->size(), false);
      if (!index) return fail(index.error());
      node = &(*node)[*index];
    } else {
      return fail(ErrorCode::kInvalid, "missing value");
    }
  }
  return node;
}

Result<void> add(Json& doc, const Pointer& pointer, Json value) {
  if (pointer.tokens.empty()) {
    doc = std::move(value);
    return {};
  }
  Pointer parent_pointer{{pointer.tokens.begin(), pointer.tokens.end() - 1}};
  auto parent = resolve(doc, parent_pointer);
  if (!parent) return fail(parent.error());
  const auto& last = pointer.tokens.back();
  if ((*parent)->is_object()) {
    (**parent)[last] = std::move(value);
  } else if ((*parent)->is_array()) {
    auto index = array_index(last, (*parent)->size(), true);
    if (!index) return fail(index.error());
    (*parent)->insert((*parent)->begin() + static_cast<std::ptrdiff_t>(*index), std::move(value));
  } else {
    return fail(ErrorCode::kInvalid, "missing value");
  }
  return {};
}

Result<Json> remove(Json& doc, const Pointer& pointer) {
  if (pointer.tokens.empty()) return fail(ErrorCode::kInvalid, "cannot remove the whole document");
  Pointer parent_pointer{{pointer.tokens.begin(), pointer.tokens.end() - 1}};
  auto parent = resolve(doc, parent_pointer);
  if (!parent) return fail(parent.error());
  const auto& last = pointer.tokens.back();
  if ((*parent)->is_object()) {
    auto it = (*parent)->find(last);
    if (it == (*parent)->end()) return fail(ErrorCode::kInvalid, "missing value");
    Json removed = std::move(*it);
    (*parent)->erase(last);
    return removed;
  }
  if ((*parent)->is_array()) {
    auto index = array_index(last, (*parent)->size(), false);
    if (!index) return fail(index.error());
    Json removed = std::move((**parent)[*index]);
    (*parent)->erase(*index);
    return removed;
  }
  return fail(ErrorCode::kInvalid, "missing value");
}

Result<void> apply_one(Json& doc, const Json& op) {
  if (!op.is_object()) return fail(ErrorCode::kBadRequest, "an operation must be an object");
  auto name_it = op.find("op");
  auto path_it = op.find("path");
  if (name_it == op.end() || !name_it->is_string()) return fail(ErrorCode::kBadRequest, "missing \"op\"");
  if (path_it == op.end() || !path_it->is_string()) return fail(ErrorCode::kBadRequest, "missing \"path\"");
  const std::string name = name_it->get<std::string>();
  auto path = parse_pointer(path_it->get<std::string>());
  if (!path) return fail(path.error());
  auto value = [&]() -> Result<Json> {
    auto it = op.find("value");
    if (it == op.end()) return fail(ErrorCode::kBadRequest, "missing \"value\"");
    return *it;
  };
  auto from = [&]() -> Result<Pointer> {
    auto it = op.find("from");
    if (it == op.end() || !it->is_string()) return fail(ErrorCode::kBadRequest, "missing \"from\"");
    return parse_pointer(it->get<std::string>());
  };

  if (name == "add") {
    auto v = value();
    if (!v) return fail(v.error());
    return add(doc, *path, std::move(*v));
  }
  if (name == "remove") {
    auto r = remove(doc, *path);
    if (!r) return fail(r.error());
    return {};
  }
  if (name == "replace") {
    auto v = value();
    if (!v) return fail(v.error());
    auto target = resolve(doc, *path);
    if (!target) return fail(target.error());
    **target = std::move(*v);
    return {};
  }
  if (name == "move" || name == "copy") {
    auto source = from();
    if (!source) return fail(source.error());
    Json moved;
    if (name == "move") {
      auto r = remove(doc, *source);
      if (!r) return fail(r.error());
      moved = std::move(*r);
    } else {
      auto r = resolve(doc, *source);
      if (!r) return fail(r.error());
      moved = **r;
    }
    return add(doc, *path, std::move(moved));
  }
  if (name == "test") {
    auto v = value();
    if (!v) return fail(v.error());
    auto target = resolve(doc, *path);
    if (!target) return fail(target.error());
    if (**target != *v) return fail(ErrorCode::kInvalid, "testing value " + path_it->get<std::string>() + " failed");
    return {};
  }
  return fail(ErrorCode::kBadRequest, "unknown operation \"" + name + "\"");
}

}  // namespace

Result<Json> apply_json_patch(const Json& document, const Json& patch) {
  if (!patch.is_array()) return fail(ErrorCode::kBadRequest, "a JSON patch must be a list of operations");
  Json doc = document;
  for (size_t i = 0; i < patch.size(); ++i) {
    if (auto r = apply_one(doc, patch[i]); !r) {
      auto text_of = [&](const char* field) {
        const auto& op = patch[i];
        if (!op.is_object() || !op.contains(field) || !op[field].is_string()) return std::string("?");
        return op[field].get<std::string>();
      };
      std::string what = text_of("op");
      std::string path = text_of("path");
      return fail(r.error().code, fmt::format("json patch operation {} ({} \"{}\") does not apply: {}", i, what, path,
                                              r.error().message));
    }
  }
  return doc;
}

}  // namespace kthena::apiserver
