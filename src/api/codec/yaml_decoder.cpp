#include "api/codec/yaml_decoder.h"

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "api/codec/json_decoder.h"
#include "api/codec/scalar_resolver.h"
#include "api/codec/utf8.h"

namespace kthena::api {
namespace {

constexpr std::string_view kYamlOrg = "tag:yaml.org,2002:";

// Thrown by the event handler (yaml-cpp gives it no other way to stop) and caught in decode_yaml.
struct DecodeAbort {
  Error error;
};

// Builds Json values from yaml-cpp's parse events. One instance per stream.
class JsonBuilder : public YAML::EventHandler {
 public:
  JsonBuilder(std::string_view source, size_t node_budget) : source_(source), node_budget_(node_budget) {}

  std::vector<Document> take_documents() { return std::move(documents_); }

  void OnDocumentStart(const YAML::Mark& mark) override {
    documents_.push_back(Document{Json(nullptr), mark.line + 1});
    anchors_.clear();
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (expecting_key()) return set_key("null", mark, false);
    add_value(Json(nullptr), mark, anchor, 1, 1);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) fail_at(mark, "unknown anchor");
    if (expecting_key()) {
      if (!it->second.value.is_string()) fail_at(mark, "mapping keys must be strings");
      return set_key(it->second.value.get<std::string>(), mark, false);
    }
    add_value(it->second.value, mark, 0, it->second.nodes, it->second.nodes);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    if (expecting_key()) return set_key(value, mark, tag == "?" && value == "<<");
    add_value(resolve(mark, tag, value), mark, anchor, 1, 1);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    if (expecting_key()) fail_at(mark, "mapping keys must be scalars");
    stack_.push_back(Frame{false, mark, anchor, nodes_});
    stack_.back().array = Json::array();
  }

  void OnSequenceEnd() override {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    // The items were counted as they arrived: the sequence itself adds one node, its subtree is what an alias
    // of it would add again.
    size_t subtree = nodes_ - frame.nodes_at_start + 1;
    add_value(std::move(frame.array), frame.mark, frame.anchor, 1, subtree);
  }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    if (expecting_key()) fail_at(mark, "mapping keys must be scalars");
    stack_.push_back(Frame{true, mark, anchor, nodes_});
  }

  void OnMapEnd() override {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    size_t subtree = nodes_ - frame.nodes_at_start + 1;
    add_value(finish_map(frame), frame.mark, frame.anchor, 1, subtree);
  }

 private:
  struct Entry {
    std::string key;
    Json value;
    bool merge = false;
  };
  struct Frame {
    bool is_map;
    YAML::Mark mark;
    YAML::anchor_t anchor;
    size_t nodes_at_start;
    Json array;
    // Mapping state: keys and values alternate.
    bool have_key = false;
    bool key_is_merge = false;
    std::string key;
    std::vector<Entry> entries;
    std::unordered_map<std::string, int> key_lines;
  };
  struct Anchored {
    Json value;
    size_t nodes;
  };

  [[noreturn]] void fail_at(const YAML::Mark& mark, std::string message) const {
    throw DecodeAbort{Error{ErrorCode::kBadRequest, fmt::format("{}:{}:{}", source_, mark.line + 1, mark.column + 1),
                            std::move(message)}};
  }

  bool expecting_key() const { return !stack_.empty() && stack_.back().is_map && !stack_.back().have_key; }

  void set_key(std::string key, const YAML::Mark& mark, bool merge) {
    Frame& f = stack_.back();
    if (!merge) {
      auto [it, inserted] = f.key_lines.emplace(key, mark.line + 1);
      if (!inserted) {
        fail_at(mark, fmt::format("key \"{}\" already set in map (first at line {})", key, it->second));
      }
    }
    f.have_key = true;
    f.key_is_merge = merge;
    f.key = std::move(key);
  }

  Json resolve(const YAML::Mark& mark, const std::string& tag, const std::string& value) const {
    if (tag == "?") return resolve_plain_scalar(value);
    if (tag == "!") return Json(value);  // quoted
    // Application tags (`!foo`) mean nothing to Kubernetes: the scalar resolves as if untagged.
    if (tag.rfind(kYamlOrg, 0) != 0) return resolve_plain_scalar(value);
    std::string_view type = std::string_view(tag).substr(kYamlOrg.size());
    if (type == "str" || type == "binary" || type == "timestamp") return Json(value);
    Json v = resolve_plain_scalar(value);
    bool ok = (type == "int" && v.is_number_integer()) || (type == "float" && v.is_number()) ||
              (type == "bool" && v.is_boolean()) || (type == "null" && v.is_null());
    if (!ok) fail_at(mark, fmt::format("cannot decode {} as !!{}", go_style_quote(value), type));
    if (type == "float" && v.is_number_integer()) v = Json(v.get<double>());
    return v;
  }

  static std::string go_style_quote(const std::string& s) { return "\"" + s + "\""; }

  // `added`: nodes this value adds to the document now; `subtree`: nodes it holds in all, which is what an alias of
  // it adds later (the budget that stops an alias bomb).
  void add_value(Json value, const YAML::Mark& mark, YAML::anchor_t anchor, size_t added, size_t subtree) {
    nodes_ += added;
    if (nodes_ > node_budget_) {
      fail_at(mark, "document too large after expanding aliases");
    }
    if (anchor != 0) anchors_[anchor] = Anchored{value, subtree};
    if (stack_.empty()) {
      documents_.back().value = std::move(value);
      return;
    }
    Frame& f = stack_.back();
    if (!f.is_map) {
      f.array.push_back(std::move(value));
      return;
    }
    if (f.key_is_merge) {
      bool ok = value.is_object();
      if (value.is_array()) {
        ok = true;
        for (const Json& item : value) ok = ok && item.is_object();
      }
      if (!ok) fail_at(mark, "map merge requires map or sequence of maps as the value");
    }
    f.entries.push_back(Entry{std::move(f.key), std::move(value), f.key_is_merge});
    f.have_key = false;
    f.key_is_merge = false;
  }

  // Explicit keys win over merged ones; among merged maps the earlier one wins (YAML merge-key semantics).
  static Json finish_map(Frame& frame) {
    Json object = Json::object();
    auto& items = static_cast<Json::object_t::Container&>(object.get_ref<Json::object_t&>());
    std::unordered_set<std::string> seen;
    for (Entry& e : frame.entries) {
      if (!e.merge) {
        seen.insert(e.key);
        items.emplace_back(std::move(e.key), std::move(e.value));
        continue;
      }
      auto merge_one = [&](Json& source) {
        for (auto& [k, v] : source.items()) {
          if (frame.key_lines.count(k) || seen.count(k)) continue;
          seen.insert(k);
          items.emplace_back(k, v);
        }
      };
      if (e.value.is_object()) {
        merge_one(e.value);
      } else {
        for (Json& m : e.value) merge_one(m);
      }
    }
    return object;
  }

  std::string source_;
  size_t node_budget_;
  size_t nodes_ = 0;
  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, Anchored> anchors_;
  std::vector<Document> documents_;
};

Error parse_error(std::string_view source, const YAML::Mark& mark, const std::string& message) {
  std::string where =
      mark.is_null() ? std::string(source) : fmt::format("{}:{}:{}", source, mark.line + 1, mark.column + 1);
  return Error{ErrorCode::kBadRequest, std::move(where), message};
}

// YAML allows tab, LF, CR and printable characters only (YAML 1.2 c-printable, as go-yaml enforces).
Result<void> check_characters(std::string_view text, std::string_view source) {
  if (auto bad = find_invalid_utf8(text)) {
    return fail(ErrorCode::kBadRequest, "invalid UTF-8", position_of(text, *bad, source));
  }
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
      return fail(ErrorCode::kBadRequest, fmt::format("control characters are not allowed (byte 0x{:02x})", c),
                  position_of(text, i, source));
    }
  }
  return {};
}

}  // namespace

std::string position_of(std::string_view text, size_t offset, std::string_view source) {
  offset = std::min(offset, text.size());
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return fmt::format("{}:{}:{}", source, line, offset - line_start + 1);
}

Result<std::vector<Document>> decode_yaml(std::string_view text, std::string_view source) {
  if (auto ok = check_characters(text, source); !ok) return tl::unexpected(ok.error());
  std::istringstream in{std::string(text)};
  JsonBuilder builder(source, std::max<size_t>(1'000'000, text.size() * 20));
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
    }
  } catch (const DecodeAbort& abort) {
    return fail(abort.error);
  } catch (const YAML::Exception& e) {
    return fail(parse_error(source, e.mark, e.msg));
  } catch (const std::exception& e) {
    return fail(ErrorCode::kBadRequest, e.what(), std::string(source));
  }
  return builder.take_documents();
}

Result<std::vector<Document>> decode_documents(std::string_view text, std::string_view source) {
  size_t i = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
  if (i < text.size() && (text[i] == '{' || text[i] == '[')) {
    int line = 1;
    for (size_t j = 0; j < i; ++j) line += text[j] == '\n';
    auto value = decode_json(text.substr(text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0), source);
    if (!value) {
      // Flow-style YAML (`{name: x}`) also starts with a brace: accept it as YAML, else report JSON's error.
      if (auto yaml = decode_yaml(text, source)) return yaml;
      return tl::unexpected(value.error());
    }
    std::vector<Document> docs;
    docs.push_back(Document{std::move(*value), line});
    return docs;
  }
  return decode_yaml(text, source);
}

Result<Json> decode_document(std::string_view text, std::string_view source) {
  auto docs = decode_documents(text, source);
  if (!docs) return tl::unexpected(docs.error());
  if (docs->empty()) return Json(nullptr);
  if (docs->size() > 1) {
    return fail(ErrorCode::kBadRequest, "expected one document, found several",
                fmt::format("{}:{}:1", source, (*docs)[1].line));
  }
  return std::move((*docs)[0].value);
}

}  // namespace kthena::api
