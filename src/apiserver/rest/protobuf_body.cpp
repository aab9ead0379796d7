#include "apiserver/rest/protobuf_body.h"

#include <openssl/evp.h>

#include <algorithm>

#include <fmt/format.h>

#include "api/codec/utf8.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

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

// The typed messages of the generator subcommands beyond ConfigMap/Secret/Namespace (`kubectl create deployment`,
// `create service`, `create serviceaccount`), decoded from tables of their k8s.io/api field numbers. gogo-protobuf
// writes every non-pointer field, zero values included, so zeros are dropped as JSON's omitempty drops them (pointer
// fields keep them: replicas 0 is a value); a field these tables do not know is refused when it carries a value,
// so nothing the client sent is silently lost.
enum class Kind { kString, kInt, kIntKeepZero, kBool, kMessage, kStringMap, kQuantityMap, kIntOrString, kMeta, kSkip };

struct MessageSpec;
struct FieldSpec {
  uint32_t number;
  const char* name;
  Kind kind;
  const MessageSpec* message = nullptr;
  bool repeated = false;
};
struct MessageSpec {
  const char* name;
  std::vector<FieldSpec> fields;
};

const MessageSpec kLabelSelectorRequirement{
    "LabelSelectorRequirement",
    {{1, "key", Kind::kString}, {2, "operator", Kind::kString}, {3, "values", Kind::kString, nullptr, true}}};
const MessageSpec kLabelSelector{
    "LabelSelector",
    {{1, "matchLabels", Kind::kStringMap}, {2, "matchExpressions", Kind::kMessage, &kLabelSelectorRequirement, true}}};
const MessageSpec kContainerPort{"ContainerPort",
                                 {{1, "name", Kind::kString},
                                  {2, "hostPort", Kind::kInt},
                                  {3, "containerPort", Kind::kIntKeepZero},
                                  {4, "protocol", Kind::kString},
                                  {5, "hostIP", Kind::kString}}};
const MessageSpec kEnvVar{"EnvVar", {{1, "name", Kind::kString}, {2, "value", Kind::kString}}};
const MessageSpec kResources{"ResourceRequirements",
                             {{1, "limits", Kind::kQuantityMap}, {2, "requests", Kind::kQuantityMap}}};
const MessageSpec kContainer{"Container",
                             {{1, "name", Kind::kString},
                              {2, "image", Kind::kString},
                              {3, "command", Kind::kString, nullptr, true},
                              {4, "args", Kind::kString, nullptr, true},
                              {5, "workingDir", Kind::kString},
                              {6, "ports", Kind::kMessage, &kContainerPort, true},
                              {7, "env", Kind::kMessage, &kEnvVar, true},
                              {8, "resources", Kind::kMessage, &kResources},
                              {13, "terminationMessagePath", Kind::kString},
                              {14, "imagePullPolicy", Kind::kString},
                              {20, "terminationMessagePolicy", Kind::kString}}};
const MessageSpec kPodSpec{"PodSpec",
                           {{2, "containers", Kind::kMessage, &kContainer, true},
                            {3, "restartPolicy", Kind::kString},
                            {4, "terminationGracePeriodSeconds", Kind::kIntKeepZero},
                            {5, "activeDeadlineSeconds", Kind::kIntKeepZero},
                            {6, "dnsPolicy", Kind::kString},
                            {7, "nodeSelector", Kind::kStringMap},
                            {8, "serviceAccountName", Kind::kString},
                            {9, "serviceAccount", Kind::kString},
                            {10, "nodeName", Kind::kString},
                            {16, "hostname", Kind::kString},
                            {17, "subdomain", Kind::kString},
                            {19, "schedulerName", Kind::kString},
                            {20, "initContainers", Kind::kMessage, &kContainer, true}}};
const MessageSpec kPodTemplateSpec{"PodTemplateSpec",
                                   {{1, "metadata", Kind::kMeta}, {2, "spec", Kind::kMessage, &kPodSpec}}};
const MessageSpec kRollingUpdateDeployment{
    "RollingUpdateDeployment", {{1, "maxUnavailable", Kind::kIntOrString}, {2, "maxSurge", Kind::kIntOrString}}};
const MessageSpec kDeploymentStrategy{
    "DeploymentStrategy",
    {{1, "type", Kind::kString}, {2, "rollingUpdate", Kind::kMessage, &kRollingUpdateDeployment}}};
const MessageSpec kDeploymentSpec{"DeploymentSpec",
                                  {{1, "replicas", Kind::kIntKeepZero},
                                   {2, "selector", Kind::kMessage, &kLabelSelector},
                                   {3, "template", Kind::kMessage, &kPodTemplateSpec},
                                   {4, "strategy", Kind::kMessage, &kDeploymentStrategy},
                                   {5, "minReadySeconds", Kind::kInt},
                                   {6, "revisionHistoryLimit", Kind::kIntKeepZero},
                                   {7, "paused", Kind::kBool},
                                   {9, "progressDeadlineSeconds", Kind::kIntKeepZero}}};
const MessageSpec kDeployment{
    "Deployment",
    {{1, "metadata", Kind::kMeta}, {2, "spec", Kind::kMessage, &kDeploymentSpec}, {3, "status", Kind::kSkip}}};
const MessageSpec kServicePort{"ServicePort",
                               {{1, "name", Kind::kString},
                                {2, "protocol", Kind::kString},
                                {3, "port", Kind::kIntKeepZero},
                                {4, "targetPort", Kind::kIntOrString},
                                {5, "nodePort", Kind::kInt},
                                {6, "appProtocol", Kind::kString}}};
const MessageSpec kServiceSpec{"ServiceSpec",
                               {{1, "ports", Kind::kMessage, &kServicePort, true},
                                {2, "selector", Kind::kStringMap},
                                {3, "clusterIP", Kind::kString},
                                {4, "type", Kind::kString}}};
const MessageSpec kService{
    "Service", {{1, "metadata", Kind::kMeta}, {2, "spec", Kind::kMessage, &kServiceSpec}, {3, "status", Kind::kSkip}}};
const MessageSpec kServiceAccount{"ServiceAccount",
                                  {{1, "metadata", Kind::kMeta}, {4, "automountServiceAccountToken", Kind::kBool}}};

const MessageSpec* message_spec(const std::string& kind) {
  for (const MessageSpec* m : {&kDeployment, &kService, &kServiceAccount}) {
    if (kind == m->name) return m;
  }
  return nullptr;
}

Result<Json> decode_message(const MessageSpec& spec, std::string_view bytes, size_t base, int depth);

Result<Json> int_or_string(const Reader::Field& field) {
  int64_t type = 0, int_value = 0;
  std::string str_value;
  auto r = for_each_field(field.bytes, field.offset, [&](const Reader::Field& f) -> Result<void> {
    if (f.number == 1 && f.wire == 0) type = static_cast<int64_t>(f.value);
    if (f.number == 2 && f.wire == 0) int_value = static_cast<int32_t>(f.value);
    if (f.number == 3 && f.wire == 2) str_value = f.bytes;
    return {};
  });
  if (!r) return fail(r.error());
  if (type == 1) return Json(str_value);
  return int_value == 0 ? Json() : Json(int_value);  // an unset non-pointer IntOrString is {Int, 0}
}

Result<void> decode_field(const FieldSpec& spec, const Reader::Field& f, Json& out, int depth) {
  Json value;
  switch (spec.kind) {
    case Kind::kSkip:
      return {};
    case Kind::kString:
      if (f.wire != 2) break;
      if (f.bytes.empty() && !spec.repeated) return {};
      value = std::string(f.bytes);
      break;
    case Kind::kInt:
    case Kind::kIntKeepZero:
      if (f.wire != 0) break;
      if (f.value == 0 && spec.kind == Kind::kInt) return {};
      value = static_cast<int64_t>(f.value);  // int32 negatives arrive sign-extended to 64 bits
      break;
    case Kind::kBool:
      if (f.wire != 0) break;
      if (f.value == 0) return {};
      value = true;
      break;
    case Kind::kMeta: {
      if (f.wire != 2) break;
      auto meta = object_meta(f);
      if (!meta) return fail(meta.error());
      value = std::move(*meta);
      break;
    }
    case Kind::kMessage: {
      if (f.wire != 2) break;
      auto decoded = decode_message(*spec.message, f.bytes, f.offset, depth + 1);
      if (!decoded) return fail(decoded.error());
      value = std::move(*decoded);
      break;
    }
    case Kind::kIntOrString: {
      if (f.wire != 2) break;
      auto decoded = int_or_string(f);
      if (!decoded) return fail(decoded.error());
      if (decoded->is_null()) return {};
      value = std::move(*decoded);
      break;
    }
    case Kind::kStringMap:
    case Kind::kQuantityMap: {
      if (f.wire != 2) break;
      auto entry = map_entry(f);
      if (!entry) return fail(entry.error());
      std::string text = entry->second;
      if (spec.kind == Kind::kQuantityMap) {  // resource.Quantity {1: string}
        text.clear();
        auto r = for_each_field(entry->second, f.offset, [&](const Reader::Field& q) -> Result<void> {
          if (q.number == 1 && q.wire == 2) text = q.bytes;
          return {};
        });
        if (!r) return fail(r.error());
      }
      out[spec.name][entry->first] = std::move(text);
      return {};
    }
  }
  if (value.is_null()) {
    return fail(ErrorCode::kBadRequest, fmt::format("protobuf body: field {} ({}) has wire type {} at byte {}",
                                                    f.number, spec.name, f.wire, f.offset));
  }
  if (spec.repeated) {
    out[spec.name].push_back(std::move(value));
  } else {
    out[spec.name] = std::move(value);
  }
  return {};
}

Result<Json> decode_message(const MessageSpec& spec, std::string_view bytes, size_t base, int depth) {
  if (depth > 16) return fail(ErrorCode::kBadRequest, "protobuf body: nested too deeply");
  Json out = Json::object();
  auto r = for_each_field(bytes, base, [&](const Reader::Field& f) -> Result<void> {
    for (const FieldSpec& field : spec.fields) {
      if (field.number == f.number) return decode_field(field, f, out, depth);
    }
    bool zero = (f.wire == 0 && f.value == 0) || (f.wire == 2 && f.bytes.empty());
    if (zero) return {};
    return fail(ErrorCode::kBadRequest,
                fmt::format("protobuf body: field {} of {} (byte {}) is not decoded by this server; send the "
                            "object as JSON (kubectl create -f)",
                            f.number, spec.name, f.offset));
  });
  if (!r) return fail(r.error());
  return out;
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

// Protobuf strings are bytes; JSON's must be UTF-8, or writing the object out would fail far from here.
bool valid_utf8(const Json& value) {
  if (value.is_string()) return !api::find_invalid_utf8(value.get_ref<const std::string&>()).has_value();
  if (value.is_array()) return std::all_of(value.begin(), value.end(), [](const Json& v) { return valid_utf8(v); });
  if (value.is_object()) {
    for (const auto& [key, member] : value.items()) {
      if (api::find_invalid_utf8(key) || !valid_utf8(member)) return false;
    }
  }
  return true;
}

Result<Json> checked(Json object) {
  if (!valid_utf8(object)) return fail(ErrorCode::kBadRequest, "protobuf body: a string is not valid UTF-8");
  return object;
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
  if (const MessageSpec* spec = message_spec(kind)) {
    auto decoded = decode_message(*spec, raw, raw_offset, 0);
    if (!decoded) return fail(decoded.error());
    Json object = {{"apiVersion", api_version}, {"kind", kind}};
    for (auto& [key, value] : decoded->items()) object[key] = std::move(value);
    return checked(std::move(object));
  }
  if (kind != "ConfigMap" && kind != "Secret" && kind != "Namespace") {
    return fail(ErrorCode::kBadRequest,
                fmt::format("protobuf body: kind \"{}\" is not supported in protobuf; send JSON", kind));
  }
  Json object = Json::object();
  object["apiVersion"] = api_version.empty() ? "v1" : api_version;
  object["kind"] = kind;
  if (auto decoded = decode_kind(kind, raw, raw_offset, object); !decoded) return fail(decoded.error());
  return checked(std::move(object));
}

}  // namespace kthena::apiserver
