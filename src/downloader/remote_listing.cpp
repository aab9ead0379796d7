#include "downloader/remote_listing.h"

#include <cctype>
#include <charconv>

#include "api/codec/json_decoder.h"
#include "downloader/partial_file.h"

namespace kthena::downloader {
namespace {

Result<RemoteFile> remote_file(std::string name, std::optional<uint64_t> size) {
  auto path = safe_relative_path(name);
  if (!path) return fail(path.error());
  return RemoteFile{std::move(name), std::move(*path), size};
}

std::optional<uint64_t> json_size(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<uint64_t>();
}

Error listing_error(std::string_view source, const std::string& message) {
  return Error{ErrorCode::kBadRequest, std::string(source), "unexpected file listing: " + message};
}

// The text of the first <tag>...</tag> in `xml` at or after `from`; `from` moves past it.
std::optional<std::string_view> xml_element(std::string_view xml, std::string_view tag, size_t& from) {
  std::string open = "<" + std::string(tag) + ">";
  std::string close = "</" + std::string(tag) + ">";
  size_t start = xml.find(open, from);
  if (start == std::string_view::npos) return std::nullopt;
  start += open.size();
  size_t end = xml.find(close, start);
  if (end == std::string_view::npos) return std::nullopt;
  from = end + close.size();
  return xml.substr(start, end - start);
}

// XML's five entities and numeric character references; fails on anything else, as an XML parser would.
Result<std::string> xml_text(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '&') {
      out += text[i++];
      continue;
    }
    size_t semi = text.find(';', i);
    if (semi == std::string_view::npos) return fail(ErrorCode::kBadRequest, "an unterminated entity");
    std::string_view entity = text.substr(i + 1, semi - i - 1);
    if (entity == "amp")
      out += '&';
    else if (entity == "lt")
      out += '<';
    else if (entity == "gt")
      out += '>';
    else if (entity == "quot")
      out += '"';
    else if (entity == "apos")
      out += '\'';
    else if (entity.size() > 1 && entity[0] == '#') {
      bool hex = entity[1] == 'x';
      std::string_view digits = entity.substr(hex ? 2 : 1);
      uint32_t cp = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || cp == 0 || cp > 0x10FFFF ||
          (cp >= 0xD800 && cp <= 0xDFFF)) {
        return fail(ErrorCode::kBadRequest, "an invalid character reference");
      }
      // UTF-8 encoding of the code point.
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
    } else {
      return fail(ErrorCode::kBadRequest, "an unknown entity");
    }
    i = semi + 1;
  }
  return out;
}

}  // namespace

Result<RemoteListing> parse_hf_listing(std::string_view json) {
  auto doc = api::decode_json(json, "Hugging Face listing");
  if (!doc) return fail(listing_error("Hugging Face", doc.error().to_string()));
  if (!doc->is_object()) return fail(listing_error("Hugging Face", "not an object"));
  RemoteListing listing;
  if (auto sha = doc->find("sha"); sha != doc->end() && sha->is_string()) {
    listing.commit = sha->get<std::string>();
    // Pasted into a URL path: a commit is hex.
    for (char c : listing.commit) {
      if (!std::isxdigit(static_cast<unsigned char>(c))) return fail(listing_error("Hugging Face", "a bad sha"));
    }
  }
  auto siblings = doc->find("siblings");
  if (siblings == doc->end() || !siblings->is_array()) return fail(listing_error("Hugging Face", "no siblings"));
  for (const Json& s : *siblings) {
    if (!s.is_object() || !s.contains("rfilename") || !s["rfilename"].is_string()) {
      return fail(listing_error("Hugging Face", "a sibling without rfilename"));
    }
    auto file = remote_file(s["rfilename"].get<std::string>(), json_size(s, "size"));
    if (!file) return fail(file.error());
    listing.files.push_back(std::move(*file));
  }
  return listing;
}

Result<RemoteListing> parse_ms_listing(std::string_view json) {
  auto doc = api::decode_json(json, "ModelScope listing");
  if (!doc) return fail(listing_error("ModelScope", doc.error().to_string()));
  if (!doc->is_object()) return fail(listing_error("ModelScope", "not an object"));
  auto code = doc->find("Code");
  if (code != doc->end() && !(code->is_number() && *code == 200)) {
    auto message = doc->find("Message");
    return fail(listing_error(
        "ModelScope", message != doc->end() && message->is_string() ? message->get<std::string>() : "an error code"));
  }
  auto data = doc->find("Data");
  if (data == doc->end() || !data->is_object() || !data->contains("Files") || !(*data)["Files"].is_array()) {
    return fail(listing_error("ModelScope", "no Data.Files"));
  }
  RemoteListing listing;
  for (const Json& f : (*data)["Files"]) {
    if (!f.is_object() || !f.contains("Path") || !f["Path"].is_string()) {
      return fail(listing_error("ModelScope", "a file without Path"));
    }
    if (auto type = f.find("Type"); type != f.end() && type->is_string() && *type == "tree") continue;
    auto file = remote_file(f["Path"].get<std::string>(), json_size(f, "Size"));
    if (!file) return fail(file.error());
    listing.files.push_back(std::move(*file));
  }
  return listing;
}

Result<RemoteListing> parse_s3_listing(std::string_view xml, std::string_view prefix) {
  if (xml.find("<ListBucketResult") == std::string_view::npos) {
    return fail(listing_error("S3", "no ListBucketResult"));
  }
  RemoteListing listing;
  size_t at = 0;
  while (auto contents = xml_element(xml, "Contents", at)) {
    size_t inner = 0;
    auto key_text = xml_element(*contents, "Key", inner);
    if (!key_text) return fail(listing_error("S3", "a Contents without Key"));
    auto key = xml_text(*key_text);
    if (!key) return fail(listing_error("S3", key.error().message));
    inner = 0;
    std::optional<uint64_t> size;
    if (auto size_text = xml_element(*contents, "Size", inner)) {
      uint64_t n = 0;
      auto [end, ec] = std::from_chars(size_text->data(), size_text->data() + size_text->size(), n);
      if (ec != std::errc() || end != size_text->data() + size_text->size()) {
        return fail(listing_error("S3", "a bad Size"));
      }
      size = n;
    }
    if (key->size() < prefix.size() || std::string_view(*key).substr(0, prefix.size()) != prefix) {
      return fail(listing_error("S3", "a key outside the prefix"));
    }
    std::string relative = key->substr(prefix.size());
    // `aws s3 sync` of a prefix without a trailing "/" keeps what follows it; a leading "/" is the separator.
    if (!relative.empty() && relative.front() == '/') relative.erase(0, 1);
    // The prefix itself, or a zero-byte "folder/" marker that consoles create: nothing to write.
    if (relative.empty() || relative.back() == '/') continue;
    auto file = remote_file(std::move(relative), size);
    if (!file) return fail(file.error());
    file->name = std::move(*key);
    listing.files.push_back(std::move(*file));
  }
  size_t flag_at = 0;
  auto truncated = xml_element(xml, "IsTruncated", flag_at);
  if (truncated && *truncated == "true") {
    size_t token_at = 0;
    auto token = xml_element(xml, "NextContinuationToken", token_at);
    if (!token) return fail(listing_error("S3", "IsTruncated without NextContinuationToken"));
    auto text = xml_text(*token);
    if (!text || text->empty()) return fail(listing_error("S3", "a bad NextContinuationToken"));
    listing.continuation = std::move(*text);
  }
  return listing;
}

}  // namespace kthena::downloader
