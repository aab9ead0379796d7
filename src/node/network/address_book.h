// The pod addresses handed out, one JSON file per pod uid ({"uid": ..., "ip": ...}) in a folder of their own, each
// written whole (temporary file, fsync, rename), so that a restarted agent gives each pod the address it had and
// knows which pods it set up.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace kthena::node {

// Pod uids name files and namespaces: letters, digits, '-', '_', '.', not starting with '.', at most 128.
Result<void> check_pod_uid(const std::string& uid);

// Not thread-safe: its owner serializes calls.
class AddressBook {
 public:
  // Addresses are handed out from `first` to `last` (inclusive), lowest free first; `skip_octet_edges` leaves out
  // those ending in .0 or .255, which some software takes for network or broadcast addresses.
  AddressBook(std::filesystem::path dir, uint32_t first, uint32_t last, bool skip_octet_edges);

  // The recorded address of `uid` when it lies in the range, else a new one, recorded before it is returned.
  Result<uint32_t> assign(const std::string& uid);
  std::optional<uint32_t> find(const std::string& uid) const;
  // Forgets `uid`; absent is no error.
  Result<void> release(const std::string& uid);
  // Every recorded uid, sorted.
  std::vector<std::string> uids() const;

 private:
  struct Record {
    std::string uid;
    uint32_t ip = 0;
  };
  std::vector<Record> load_all() const;
  std::optional<Record> load(const std::filesystem::path& file) const;
  bool usable(uint32_t address) const;

  std::filesystem::path dir_;
  uint32_t first_;
  uint32_t last_;
  bool skip_octet_edges_;
};

}  // namespace kthena::node
