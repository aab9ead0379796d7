#include "router/scheduler/kv_block_index.h"

#include <charconv>

#include <fmt/format.h>

namespace kthena::router {

namespace {
constexpr std::string_view kPrefix = "matrix:kv:block:";
}

bool parse_kv_block_key(std::string_view key, std::string& model, uint64_t& hash) {
  if (key.substr(0, kPrefix.size()) != kPrefix) return false;
  key.remove_prefix(kPrefix.size());
  size_t at = key.rfind('@');
  if (at == std::string_view::npos) return false;
  std::string_view digits = key.substr(at + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), hash);
  if (ec != std::errc() || end != digits.data() + digits.size()) return false;
  model.assign(key.substr(0, at));
  return true;
}

std::string kv_block_key(std::string_view model, uint64_t hash) {
  return fmt::format("{}{}@{}", kPrefix, model, hash);
}

void KvBlockIndex::set(const std::string& model, uint64_t hash, Owners owners) {
  std::vector<Update> updates;
  updates.push_back({model, hash, std::move(owners)});
  apply(std::move(updates));
}

void KvBlockIndex::apply_to(Map& map, const std::vector<Update>& updates) {
  for (const Update& u : updates) {
    if (u.owners.empty()) {
      auto m = map.find(u.model);
      if (m == map.end()) continue;
      m->second.erase(u.hash);
      if (m->second.empty()) map.erase(m);
      continue;
    }
    auto m = map.find(u.model);
    if (m == map.end()) m = map.emplace(u.model, std::unordered_map<uint64_t, Owners>()).first;
    m->second[u.hash] = u.owners;
  }
}

void KvBlockIndex::apply(std::vector<Update> updates) {
  if (updates.empty()) return;
  map_.write([&updates](Map& map) { apply_to(map, updates); });
  count_blocks();
}

void KvBlockIndex::replace(std::vector<Update> updates) {
  map_.write([&updates](Map& map) {
    map.clear();
    apply_to(map, updates);
  });
  count_blocks();
}

void KvBlockIndex::count_blocks() {
  size_t n = 0;
  for (const auto& [model, blocks] : map_.writer_view()) n += blocks.size();
  blocks_.store(n, std::memory_order_relaxed);
}

}  // namespace kthena::router
