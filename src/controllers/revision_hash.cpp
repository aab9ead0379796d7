#include "controllers/revision_hash.h"

#include <nlohmann/json.hpp>

namespace kthena::controllers {
namespace {

// nlohmann::json (unlike our ordered Json) keeps object keys in a std::map, so converting sorts every level.
nlohmann::json sorted(const Json& value) {
  switch (value.type()) {
    case Json::value_t::object: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& [k, v] : value.items()) out[k] = sorted(v);
      return out;
    }
    case Json::value_t::array: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& v : value) out.push_back(sorted(v));
      return out;
    }
    case Json::value_t::string:
      return value.get_ref<const std::string&>();
    case Json::value_t::boolean:
      return value.get<bool>();
    case Json::value_t::number_integer:
      return value.get<int64_t>();
    case Json::value_t::number_unsigned:
      return value.get<uint64_t>();
    case Json::value_t::number_float:
      return value.get<double>();
    default:
      return nullptr;
  }
}

}  // namespace

std::string canonical_json(const Json& value) {
  return sorted(value).dump();
}

uint32_t fnv1_32(std::string_view bytes) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : bytes) {
    hash *= 16777619u;
    hash ^= c;
  }
  return hash;
}

std::string revision_hash(const Json& value) {
  static constexpr char kDigits[] = "456789bcdf";
  std::string out = std::to_string(fnv1_32(canonical_json(value)));
  for (char& c : out) c = kDigits[c - '0'];
  return out;
}

}  // namespace kthena::controllers
