#include "apiserver/rest/protobuf_body.h"

#include <openssl/evp.h>

#include <fmt/format.h>

#include <cstdint>
#include <functional>
#include <string>

namespace kthena::apiserver {
namespace {

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// A reader over one message; `base` is the message's offset in the whole body, for error positions.
class Reader {
 public:
  Reader(std::string_view data, size_t base) : data_(data), base_(base) {}

  bool done() const { return pos_ >= data_.size(); }

  Result<uint64_t> varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return truncated();
      auto byte = static_cast<uint8_t>(data_[pos_++]);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    return fail(ErrorCode::kBadRequest, fmt::format("protobuf body: varint too long at byte {}", base_ + pos_));
  }

  // One field: its number, wire type, and for length-delimited fields the bytes (with their offset).
  struct Field {
    uint32_t number = 0;
    uint32_t wire = 0;
    uint64_t value = 0;
    std::string_view bytes;
    size_t offset = 0;
  };
  Result<Field> next() {
    auto tag = varint();
    if (!tag) return fail(tag.error());
    Field field;
    field.number = static_cast<uint32_t>(*tag >> 3);
    field.wire = static_cast<uint32_t>(*tag & 7);
    switch (field.wire) {
      case 0: {
        auto v = varint();
        if (!v) return fail(v.error());
        field.value = *v;
        break;
      }
      case 1:
        return skip(field, 8);
      case 5:
        return skip(field, 4);
      case 2: {
        auto length = varint();
        if (!length) return fail(length.error());
        if (*length > data_.size() - pos_) return truncated();
        field.offset = base_ + pos_;
        field.bytes = data_.substr(pos_, *length);
        pos_ += *length;
        break;
      }
      default:
        return fail(ErrorCode::kBadRequest,
                    fmt::format("protobuf body: unsupported wire type {} at byte {}", field.wire, base_ + pos_));
    }
    return field;
  }

 private:
  Result<Field> skip(Field field, size_t size) {
    if (data_.size() - pos_ < size) return truncated();
    pos_ += size;
    return field;
  }
  tl::unexpected<Error> truncated() const {
    return fail(ErrorCode::kBadRequest, fmt::format("protobuf body: truncated at byte {}", base_ + pos_));
  }

  std::string_view data_;
  size_t base_;
  size_t pos_ = 0;
};

using FieldFn = std::function<Result<void>(const Reader::Field&)>;

Result<void> for_each_field(std::string_view message, size_t base, const FieldFn& fn) {
  Reader reader(message, base);
  while (!reader.done()) {
    auto field = reader.next();
    if (!field) return fail(field.error());
    if (auto r = fn(*field); !r) return r;
  }
  return {};
}

// A map entry {1: key, 2: value}.
Result<std::pair<std::string, std::string>> map_entry(const Reader::Field& field) {
  std::pair<std::string, std::string> entry;
  auto r = for_each_field(field.bytes, field.offset, [&](const Reader::Field& f) -> Result<void> {
    if (f.number == 1 && f.wire == 2) entry.first = f.bytes;
    if (f.number == 2 && f.wire == 2) entry.second = f.bytes;
    return {};
  });
  if (!r) return fail(r.error());
  return entry;
}

void set_if(Json& object, const char* key, std::string_view value) {
  if (!value.empty()) object[key] = std::string(value);
}

Result<Json> object_meta(const Reader::Field& field) {
  Json meta = Json::object();
  auto r = for_each_field(field.bytes, field.offset, [&](const Reader::Field& f) -> Result<void> {
    switch (f.number) {
      case 1:
        set_if(meta, "name", f.bytes);
        break;
      case 2:
        set_if(meta, "generateName", f.bytes);
        break;
      case 3:
        set_if(meta, "namespace", f.bytes);
        break;
      case 11:
      case 12: {
        auto entry = map_entry(f);
        if (!entry) return fail(entry.error());
        meta[f.number == 11 ? "labels" : "annotations"][entry->first] = entry->second;
        break;
      }
      case 14:
        meta["finalizers"].push_back(std::string(f.bytes));
        break;
      default:
        break;  // server-owned fields (uid, resourceVersion, timestamps) are ignored on create anyway
    }
    return {};
  });
  if (!r) return fail(r.error());
  return meta;
}

Result<void> decode_kind(const std::string& kind, std::string_view raw, size_t base, Json& object) {
  return for_each_field(raw, base, [&](const Reader::Field& f) -> Result<void> {
    if (f.number == 1 && f.wire == 2) {
      auto meta = object_meta(f);
      if (!meta) return fail(meta.error());
      object["metadata"] = std::move(*meta);
      return {};
    }
    auto add_entry = [&](const char* field, bool bytes) -> Result<void> {
      auto entry = map_entry(f);
      if (!entry) return fail(entry.error());
      object[field][entry->first] = bytes ? base64(entry->second) : entry->second;
      return {};
    };
    if (kind == "ConfigMap") {
      // ConfigMap {2: data map<string,string>, 3: binaryData map<string,bytes>, 4: immutable}
      if (f.number == 2 && f.wire == 2) return add_entry("data", false);
      if (f.number == 3 && f.wire == 2) return add_entry("binaryData", true);
      if (f.number == 4 && f.wire == 0) object["immutable"] = f.value != 0;
      return {};
    }
    if (kind == "Secret") {
      // Secret {2: data map<string,bytes>, 3: type, 4: stringData map<string,string>, 5: immutable}
      if (f.number == 2 && f.wire == 2) return add_entry("data", true);
      if (f.number == 3 && f.wire == 2) set_if(object, "type", f.bytes);
      if (f.number == 4 && f.wire == 2) return add_entry("stringData", false);
      if (f.number == 5 && f.wire == 0) object["immutable"] = f.value != 0;
      return {};
    }
    // Namespace: spec {1: finalizers}, status {1: phase}.
    if ((f.number == 2 || f.number == 3) && f.wire == 2) {
      Json part = Json::object();
      auto r = for_each_field(f.bytes, f.offset, [&](const Reader::Field& g) -> Result<void> {
        if (g.number == 1 && g.wire == 2) {
          if (f.number == 2)
            part["finalizers"].push_back(std::string(g.bytes));
          else
            set_if(part, "phase", g.bytes);
        }
        return {};
      });
      if (!r) return fail(r.error());
      if (!part.empty()) object[f.number == 2 ? "spec" : "status"] = std::move(part);
    }
    return {};
  });
}

}  // namespace

Result<Json> decode_protobuf_body(std::string_view body) {
  constexpr std::string_view kMagic("k8s\0", 4);
  if (body.substr(0, 4) != kMagic) {
    return fail(ErrorCode::kBadRequest, "protobuf body: missing the \"k8s\\x00\" prefix");
  }
  std::string api_version, kind;
  std::string_view raw;
  size_t raw_offset = 0;
  auto r = for_each_field(body.substr(4), 4, [&](const Reader::Field& f) -> Result<void> {
    if (f.number == 1 && f.wire == 2) {
      return for_each_field(f.bytes, f.offset, [&](const Reader::Field& g) -> Result<void> {
        if (g.number == 1 && g.wire == 2) api_version = g.bytes;
        if (g.number == 2 && g.wire == 2) kind = g.bytes;
        return {};
      });
    }
    if (f.number == 2 && f.wire == 2) {
      raw = f.bytes;
      raw_offset = f.offset;
    }
    return {};
  });
  if (!r) return fail(r.error());
  if (kind != "ConfigMap" && kind != "Secret" && kind != "Namespace") {
    return fail(ErrorCode::kBadRequest,
                fmt::format("protobuf body: kind \"{}\" is not supported in protobuf; send JSON", kind));
  }
  Json object = Json::object();
  object["apiVersion"] = api_version.empty() ? "v1" : api_version;
  object["kind"] = kind;
  if (auto decoded = decode_kind(kind, raw, raw_offset, object); !decoded) return fail(decoded.error());
  return object;
}

}  // namespace kthena::apiserver
