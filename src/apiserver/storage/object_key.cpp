#include "apiserver/storage/object_key.h"

namespace kthena::apiserver {

std::string ObjectKey::to_string() const {
  std::string out = resource;
  if (!group.empty()) out += "." + group;
  out += " ";
  if (!ns.empty()) out += ns + "/";
  out += name;
  return out;
}

}  // namespace kthena::apiserver
