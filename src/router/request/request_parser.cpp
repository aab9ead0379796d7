#include "router/request/request_parser.h"

#include <optional>

#include <fmt/format.h>
#include <simdjson.h>

namespace kthena::router {
namespace od = simdjson::ondemand;

const BodyMember* RequestBody::find(std::string_view key) const {
  for (auto it = members.rbegin(); it != members.rend(); ++it) {
    if (it->key == key) return &*it;
  }
  return nullptr;
}

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim_space(std::string_view s) {
  // Go's strings.TrimSpace also trims Unicode spaces; those never occur around real model names.
  while (!s.empty() && (is_space(s.front()) || s.front() == '\v' || s.front() == '\f')) s.remove_prefix(1);
  while (!s.empty() && (is_space(s.back()) || s.back() == '\v' || s.back() == '\f')) s.remove_suffix(1);
  return s;
}

// Where a member's value starts, given where its key's opening quote is.
uint32_t value_start(const char* base, uint32_t key_begin) {
  uint32_t i = key_begin + 1;
  while (base[i] != '"') i += base[i] == '\\' ? 2 : 1;
  ++i;
  while (is_space(base[i])) ++i;
  ++i;  // ':'
  while (is_space(base[i])) ++i;
  return i;
}

// The end of a member that is followed (after optional whitespace and a comma) by the byte at `next`.
uint32_t member_end(const char* base, uint32_t next) {
  uint32_t i = next;
  while (i > 0 && is_space(base[i - 1])) --i;
  if (i > 0 && base[i - 1] == ',') --i;
  while (i > 0 && is_space(base[i - 1])) --i;
  return i;
}

// Where the first raw control character inside a string is (JSON requires them escaped), or npos.
size_t first_control_in_string(std::string_view s) {
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (!in_string) {
      in_string = c == '"';
    } else if (c == '\\') {
      ++i;
    } else if (c == '"') {
      in_string = false;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      return i;
    }
  }
  return std::string_view::npos;
}

// The on-demand document reports no current location once it has consumed its last token.
bool at_end(od::document& doc) {
  const char* at = nullptr;
  return doc.current_location().get(at) != simdjson::SUCCESS;
}

}  // namespace

struct RequestParser::Impl {
  od::parser parser;
  std::string padded;
  RequestBody out;

  // Joined text parts live here; a deque never moves its elements, so views into them stay valid.
  std::deque<std::string> joined;
  size_t joined_used = 0;
  std::vector<std::string_view> parts;

  // The prompt fields as met, resolved by precedence once the whole object has been read.
  struct Slots {
    bool has_prompt = false, prompt_ok = false;
    std::string_view prompt_text;
    bool has_messages = false, messages_ok = false;
    std::vector<ChatMessage> messages;
    std::optional<std::string_view> system;
    bool has_input = false, input_ok = false;
    std::vector<ChatMessage> input;
    std::optional<std::string_view> instructions;
  } slots;

  size_t max_depth = RequestParser::kDefaultMaxDepth;

  // `depth` is the nesting level of `v` (the body's top-level object is 1). Deeper than max_depth fails with
  // DEPTH_ERROR before recursing: the recursion is what bounds the stack, so it must stop, not simdjson.
  simdjson::error_code validate(od::value v, size_t depth);
  simdjson::error_code content_text(od::value v, std::optional<std::string_view>& text, size_t depth);
  simdjson::error_code read_messages(od::value v, std::vector<ChatMessage>& into, bool responses_input);
  simdjson::error_code read_stream_options(od::value v, bool& include_usage);
  std::string_view join(const std::vector<std::string_view>& pieces);
  // `doc` is null when iteration never started (the document was refused before its first token).
  BodyError describe(simdjson::error_code error, od::document* doc, std::string_view input);
};

std::string_view RequestParser::Impl::join(const std::vector<std::string_view>& pieces) {
  if (pieces.size() == 1) return pieces[0];
  if (joined_used == joined.size()) joined.emplace_back();
  std::string& s = joined[joined_used++];
  s.clear();
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i > 0) s.push_back('\n');
    s.append(pieces[i]);
  }
  return s;
}

simdjson::error_code RequestParser::Impl::validate(od::value v, size_t depth) {
  if (depth > max_depth) return simdjson::DEPTH_ERROR;
  od::json_type type;
  if (auto e = v.type().get(type)) return e;
  switch (type) {
    case od::json_type::object: {
      od::object o;
      if (auto e = v.get_object().get(o)) return e;
      for (auto f : o) {
        if (auto e = f.error()) return e;
        od::field& field = f.value_unsafe();
        std::string_view key;
        if (auto e = field.unescaped_key().get(key)) return e;
        if (auto e = validate(field.value(), depth + 1)) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      od::array a;
      if (auto e = v.get_array().get(a)) return e;
      for (auto element : a) {
        od::value item;
        if (auto e = element.get(item)) return e;
        if (auto e = validate(item, depth + 1)) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string: {
      std::string_view s;
      return v.get_string().get(s);
    }
    case od::json_type::number: {
      od::number n;
      return v.get_number().get(n);
    }
    case od::json_type::boolean: {
      bool b;
      return v.get_bool().get(b);
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto e = v.is_null().get(is_null)) return e;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::TAPE_ERROR;
}

// A message content: a string, or an array of parts whose text parts are joined with "\n". `text` stays empty
// when there is no text (upstream's "no content").
simdjson::error_code RequestParser::Impl::content_text(od::value v, std::optional<std::string_view>& text,
                                                       size_t depth) {
  text.reset();
  od::json_type type;
  if (auto e = v.type().get(type)) return e;
  if (type == od::json_type::string) {
    std::string_view s;
    if (auto e = v.get_string().get(s)) return e;
    text = s;
    return simdjson::SUCCESS;
  }
  if (type != od::json_type::array) return validate(v, depth);
  od::array parts_array;
  if (auto e = v.get_array().get(parts_array)) return e;
  parts.clear();
  for (auto element : parts_array) {
    od::value item;
    if (auto e = element.get(item)) return e;
    od::json_type item_type;
    if (auto e = item.type().get(item_type)) return e;
    if (item_type != od::json_type::object) {
      if (auto e = validate(item, depth + 1)) return e;
      continue;
    }
    od::object part;
    if (auto e = item.get_object().get(part)) return e;
    bool text_type = true;
    std::optional<std::string_view> part_text;
    for (auto f : part) {
      if (auto e = f.error()) return e;
      od::field& field = f.value_unsafe();
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return e;
      od::value value = field.value();
      od::json_type vt;
      if (auto e = value.type().get(vt)) return e;
      if (key == "type") {
        if (vt == od::json_type::string) {
          std::string_view t;
          if (auto e = value.get_string().get(t)) return e;
          text_type = t == "text" || t == "input_text" || t == "output_text";
        } else {
          if (auto e = validate(value, depth + 2)) return e;
          text_type = vt == od::json_type::null;
        }
      } else if (key == "text" && vt == od::json_type::string) {
        std::string_view t;
        if (auto e = value.get_string().get(t)) return e;
        part_text = t;
      } else {
        if (key == "text") part_text.reset();
        if (auto e = validate(value, depth + 2)) return e;
      }
    }
    if (text_type && part_text) parts.push_back(*part_text);
  }
  if (!parts.empty()) text = join(parts);
  return simdjson::SUCCESS;
}

// `messages` (chat) or the array form of `input` (Responses): objects with a string role and text content; for
// Responses items the type must be absent, "" or "message" and the role non-empty. Anything else is skipped.
simdjson::error_code RequestParser::Impl::read_messages(od::value v, std::vector<ChatMessage>& into,
                                                        bool responses_input) {
  od::array items;
  if (auto e = v.get_array().get(items)) return e;
  for (auto element : items) {
    od::value item;
    if (auto e = element.get(item)) return e;
    od::json_type item_type;
    if (auto e = item.type().get(item_type)) return e;
    if (item_type != od::json_type::object) {
      if (auto e = validate(item, 3)) return e;
      continue;
    }
    od::object message;
    if (auto e = item.get_object().get(message)) return e;
    std::optional<std::string_view> role;
    std::optional<std::string_view> content;
    bool message_type = true;
    for (auto f : message) {
      if (auto e = f.error()) return e;
      od::field& field = f.value_unsafe();
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return e;
      od::value value = field.value();
      od::json_type vt;
      if (auto e = value.type().get(vt)) return e;
      if (key == "role") {
        role.reset();
        if (vt == od::json_type::string) {
          std::string_view r;
          if (auto e = value.get_string().get(r)) return e;
          role = r;
        } else if (auto e = validate(value, 4)) {
          return e;
        }
      } else if (key == "content") {
        // Joined parts of an earlier duplicate "content" may be overwritten; the last one wins anyway.
        if (auto e = content_text(value, content, 4)) return e;
      } else if (responses_input && key == "type") {
        if (vt == od::json_type::string) {
          std::string_view t;
          if (auto e = value.get_string().get(t)) return e;
          message_type = t.empty() || t == "message";
        } else {
          if (auto e = validate(value, 4)) return e;
          message_type = vt == od::json_type::null;
        }
      } else if (auto e = validate(value, 4)) {
        return e;
      }
    }
    if (!role || !content || !message_type) continue;
    if (responses_input && role->empty()) continue;
    into.push_back({*role, *content});
  }
  return simdjson::SUCCESS;
}

simdjson::error_code RequestParser::Impl::read_stream_options(od::value v, bool& include_usage) {
  include_usage = false;
  od::json_type type;
  if (auto e = v.type().get(type)) return e;
  if (type != od::json_type::object) return validate(v, 2);
  od::object o;
  if (auto e = v.get_object().get(o)) return e;
  for (auto f : o) {
    if (auto e = f.error()) return e;
    od::field& field = f.value_unsafe();
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return e;
    od::value value = field.value();
    if (key == "include_usage") {
      od::json_type vt;
      if (auto e = value.type().get(vt)) return e;
      include_usage = false;
      if (vt == od::json_type::boolean) {
        bool b;
        if (auto e = value.get_bool().get(b)) return e;
        include_usage = b;
        continue;
      }
    }
    if (auto e = validate(value, 3)) return e;
  }
  return simdjson::SUCCESS;
}

// Go's encoding/json words for the failures clients and upstream's tests look for; a malformed byte is named with
// its offset.
BodyError RequestParser::Impl::describe(simdjson::error_code error, od::document* doc, std::string_view input) {
  switch (error) {
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
    case simdjson::UNCLOSED_STRING:
    case simdjson::EMPTY:
      return {400, "unexpected EOF"};
    case simdjson::UTF8_ERROR:
      return {400, "invalid UTF-8 in request body"};
    case simdjson::DEPTH_ERROR:
      return {400, fmt::format("request body nests deeper than {} levels", max_depth)};
    case simdjson::UNESCAPED_CHARS:
      if (size_t at = first_control_in_string(input); at != std::string_view::npos) {
        return {400, fmt::format("invalid character '\\x{:02x}' in string literal at offset {}",
                                 static_cast<unsigned char>(input[at]), at)};
      }
      break;
    default:
      break;
  }
  std::string_view trimmed = input;
  while (!trimmed.empty() && is_space(trimmed.back())) trimmed.remove_suffix(1);
  const char* at = nullptr;
  bool located = doc != nullptr && !doc->current_location().get(at) && at != nullptr;
  if (!located || at < input.data() || at >= trimmed.data() + trimmed.size()) {
    // Before the first token (stage 1 refused the document) or past the last one: no byte to name.
    if (located) return {400, "unexpected EOF"};
    return {400, fmt::format("invalid request body ({})", simdjson::error_message(error))};
  }
  size_t offset = static_cast<size_t>(at - input.data());
  unsigned char c = static_cast<unsigned char>(*at);
  std::string shown = c >= 0x20 && c < 0x7f ? fmt::format("'{}'", static_cast<char>(c)) : fmt::format("'\\x{:02x}'", c);
  return {400, fmt::format("invalid character {} at offset {} ({})", shown, offset, simdjson::error_message(error))};
}

RequestParser::RequestParser(size_t max_depth) : impl_(std::make_unique<Impl>()) {
  impl_->max_depth = max_depth;
}
RequestParser::~RequestParser() = default;

tl::expected<const RequestBody*, BodyError> RequestParser::parse(std::string_view body, size_t capacity) {
  Impl& m = *impl_;
  RequestBody& out = m.out;
  out.model = {};
  out.stream = out.include_usage = out.max_completion_tokens_set = false;
  out.prompt_status = PromptStatus::kNotFound;
  out.prompt.clear();
  out.members.clear();
  m.joined_used = 0;
  m.slots.has_prompt = m.slots.prompt_ok = m.slots.has_messages = m.slots.messages_ok = false;
  m.slots.has_input = m.slots.input_ok = false;
  m.slots.messages.clear();
  m.slots.input.clear();
  m.slots.system.reset();
  m.slots.instructions.reset();

  std::string_view trimmed = body;
  while (!trimmed.empty() && is_space(trimmed.front())) trimmed.remove_prefix(1);
  if (trimmed.empty()) return tl::unexpected(BodyError{400, "EOF"});
  if (body.size() > UINT32_MAX - simdjson::SIMDJSON_PADDING) {
    return tl::unexpected(BodyError{413, "request body too large"});
  }

  const char* base = body.data();
  simdjson::padded_string_view view;
  if (capacity >= body.size() + simdjson::SIMDJSON_PADDING) {
    view = simdjson::padded_string_view(body.data(), body.size(), capacity);
  } else {
    m.padded.assign(body);
    m.padded.resize(body.size() + simdjson::SIMDJSON_PADDING, '\0');
    base = m.padded.data();
    view = simdjson::padded_string_view(m.padded.data(), body.size(), m.padded.size());
  }

  od::document doc;
  if (auto e = m.parser.iterate(view).get(doc)) return tl::unexpected(m.describe(e, nullptr, {base, body.size()}));
  od::json_type type;
  if (auto e = doc.type().get(type)) return tl::unexpected(m.describe(e, &doc, {base, body.size()}));
  if (type != od::json_type::object) {
    if (type == od::json_type::null) {
      bool is_null = false;
      if (auto e = doc.is_null().get(is_null); e || !is_null) {
        return tl::unexpected(m.describe(e ? e : simdjson::N_ATOM_ERROR, &doc, {base, body.size()}));
      }
      if (!at_end(doc)) return tl::unexpected(BodyError{400, "invalid request body"});
      return tl::unexpected(BodyError{404, "model not found", true});
    }
    const char* go_type = type == od::json_type::array    ? "array"
                          : type == od::json_type::string ? "string"
                          : type == od::json_type::number ? "number"
                                                          : "bool";
    return tl::unexpected(BodyError{
        400, fmt::format("json: cannot unmarshal {} into Go value of type map[string]interface {{}}", go_type)});
  }

  od::object object;
  if (auto e = doc.get_object().get(object)) return tl::unexpected(m.describe(e, &doc, {base, body.size()}));
  bool model_valid = false;
  for (auto f : object) {
    if (auto e = f.error()) return tl::unexpected(m.describe(e, &doc, {base, body.size()}));
    od::field& field = f.value_unsafe();
    auto key_begin = static_cast<uint32_t>(field.key().raw() - 1 - base);
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return tl::unexpected(m.describe(e, &doc, {base, body.size()}));
    od::value value = field.value();
    uint32_t vstart = value_start(base, key_begin);
    out.members.push_back({key, {key_begin, 0}, {vstart, 0}});

    od::json_type vt;
    simdjson::error_code e = value.type().get(vt);
    if (!e) {
      if (key == "model") {
        model_valid = false;
        if (vt == od::json_type::string) {
          std::string_view s;
          e = value.get_string().get(s);
          out.model = trim_space(s);
          model_valid = !out.model.empty();
        } else {
          e = m.validate(value, 2);
        }
      } else if (key == "stream") {
        out.stream = false;
        if (vt == od::json_type::boolean) {
          e = value.get_bool().get(out.stream);
        } else {
          e = m.validate(value, 2);
        }
      } else if (key == "stream_options") {
        e = m.read_stream_options(value, out.include_usage);
      } else if (key == "max_completion_tokens") {
        out.max_completion_tokens_set = vt != od::json_type::null;
        e = m.validate(value, 2);
      } else if (key == "prompt") {
        m.slots.has_prompt = true;
        m.slots.prompt_ok = vt == od::json_type::string;
        e = m.slots.prompt_ok ? value.get_string().get(m.slots.prompt_text) : m.validate(value, 2);
      } else if (key == "messages") {
        m.slots.has_messages = true;
        m.slots.messages.clear();
        m.slots.messages_ok = vt == od::json_type::array;
        e = m.slots.messages_ok ? m.read_messages(value, m.slots.messages, false) : m.validate(value, 2);
      } else if (key == "system") {
        std::optional<std::string_view> text;
        e = m.content_text(value, text, 2);
        m.slots.system = text;
      } else if (key == "input") {
        m.slots.has_input = true;
        m.slots.input.clear();
        m.slots.input_ok = true;
        if (vt == od::json_type::string) {
          std::string_view s;
          e = value.get_string().get(s);
          m.slots.input.push_back({"user", s});
        } else if (vt == od::json_type::array) {
          e = m.read_messages(value, m.slots.input, true);
        } else {
          m.slots.input_ok = false;
          e = m.validate(value, 2);
        }
      } else if (key == "instructions") {
        m.slots.instructions.reset();
        if (vt == od::json_type::string) {
          std::string_view s;
          e = value.get_string().get(s);
          if (!s.empty()) m.slots.instructions = s;
        } else {
          e = m.validate(value, 2);
        }
      } else {
        e = m.validate(value, 2);
      }
    }
    if (e) return tl::unexpected(m.describe(e, &doc, {base, body.size()}));
  }
  if (!at_end(doc)) return tl::unexpected(BodyError{400, "invalid request body"});

  // Member ends: each runs up to the next member's key (less the comma), the last up to the closing brace.
  auto close = static_cast<uint32_t>(body.size());
  while (close > 0 && is_space(base[close - 1])) --close;
  --close;  // the '}'
  for (size_t i = 0; i < out.members.size(); ++i) {
    uint32_t next = i + 1 < out.members.size() ? out.members[i + 1].whole.begin : close;
    uint32_t end = member_end(base, next);
    out.members[i].whole.end = end;
    out.members[i].value.end = end;
  }
  if (!model_valid) return tl::unexpected(BodyError{404, "model not found", true});

  auto& s = m.slots;
  if (s.has_prompt) {
    if (s.prompt_ok) {
      out.prompt.kind = Prompt::Kind::kText;
      out.prompt.text = s.prompt_text;
      out.prompt_status = PromptStatus::kFound;
    }
  } else if (s.has_messages) {
    if (s.messages_ok) {
      out.prompt.kind = Prompt::Kind::kMessages;
      if (s.system) out.prompt.messages.push_back({"system", *s.system});
      out.prompt.messages.insert(out.prompt.messages.end(), s.messages.begin(), s.messages.end());
      out.prompt_status = PromptStatus::kFound;
    }
  } else if (s.has_input && s.input_ok) {
    out.prompt.kind = Prompt::Kind::kMessages;
    if (s.instructions) out.prompt.messages.push_back({"developer", *s.instructions});
    out.prompt.messages.insert(out.prompt.messages.end(), s.input.begin(), s.input.end());
    out.prompt_status = PromptStatus::kFound;
  }
  return &out;
}

}  // namespace kthena::router
