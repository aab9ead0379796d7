#include "api/codec/json_decoder.h"

#include <fmt/format.h>

#include <unordered_set>
#include <vector>

#include "api/codec/yaml_decoder.h"

namespace kthena::api {
namespace {

// Thrown from the parser callback (its only way to stop the parse) and caught in decode_json.
struct JsonAbort {
  std::string message;
  size_t offset;
};

// The byte offset of the n-th object key in `text`: a string literal followed by ':'.
size_t offset_of_key(std::string_view text, size_t ordinal) {
  size_t seen = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '"') continue;
    size_t start = i;
    for (++i; i < text.size() && text[i] != '"'; ++i) {
      if (text[i] == '\\') ++i;
    }
    size_t j = i + 1;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t' || text[j] == '\n' || text[j] == '\r')) ++j;
    if (j < text.size() && text[j] == ':') {
      if (seen == ordinal) return start;
      ++seen;
    }
  }
  return text.size();
}

// The byte offset of the bracket that opens nesting level `depth` (1-based) for the first time.
size_t offset_of_depth(std::string_view text, int depth) {
  int level = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++level >= depth) return i;
    } else if (c == '}' || c == ']') {
      --level;
    }
  }
  return text.size();
}

}  // namespace

Result<Json> decode_json(std::string_view text, std::string_view source) {
  // One set of keys per open object, to reject duplicates as Kubernetes' strict decoding does.
  std::vector<std::unordered_set<std::string>> open_objects;
  size_t key_ordinal = 0;
  auto callback = [&](int depth, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        if (depth >= kMaxNestingDepth) {
          throw JsonAbort{fmt::format("nesting deeper than {} levels", kMaxNestingDepth),
                          offset_of_depth(text, depth + 1)};
        }
        if (event == Json::parse_event_t::object_start) open_objects.emplace_back();
        break;
      case Json::parse_event_t::object_end:
        open_objects.pop_back();
        break;
      case Json::parse_event_t::key: {
        const std::string& key = parsed.get_ref<const std::string&>();
        if (!open_objects.back().insert(key).second) {
          throw JsonAbort{fmt::format("duplicate field \"{}\"", key), offset_of_key(text, key_ordinal)};
        }
        ++key_ordinal;
        break;
      }
      default:
        break;
    }
    return true;
  };
  try {
    return Json::parse(text.begin(), text.end(), callback);
  } catch (const JsonAbort& abort) {
    return fail(ErrorCode::kBadRequest, abort.message, position_of(text, abort.offset, source));
  } catch (const Json::parse_error& e) {
    // nlohmann's byte is 1-based and points just past the offending character.
    size_t offset = e.byte == 0 ? 0 : e.byte - 1;
    std::string message = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 2: " prefix: we say where.
    if (auto colon = message.find(": "); colon != std::string::npos) message = message.substr(colon + 2);
    return fail(ErrorCode::kBadRequest, message, position_of(text, offset, source));
  } catch (const std::exception& e) {
    return fail(ErrorCode::kBadRequest, e.what(), std::string(source));
  }
}

}  // namespace kthena::api
