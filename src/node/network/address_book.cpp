#include "node/network/address_book.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "node/network/ipv4_subnet.h"
#include "node/unique_fd.h"

namespace kthena::node {
namespace {

constexpr std::string_view kSuffix = ".json";

tl::unexpected<Error> io_failure(std::string_view what, const std::filesystem::path& path) {
  return fail(ErrorCode::kIo, fmt::format("{} {}: {}", what, path.string(), std::strerror(errno)));
}

// A crash leaves either the old record or the new one, never half of one.
Result<void> write_atomically(const std::filesystem::path& path, const std::string& content) {
  const std::filesystem::path temp = path.string() + ".tmp";
  {
    UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) return io_failure("creating", temp);
    size_t done = 0;
    while (done < content.size()) {
      const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return io_failure("writing", temp);
      done += static_cast<size_t>(n);
    }
    if (::fsync(fd.get()) != 0) return io_failure("syncing", temp);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) return io_failure("renaming onto", path);
  // The rename itself is durable only once the folder is synced.
  UniqueFd dir(::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir) ::fsync(dir.get());
  return {};
}

}  // namespace

Result<void> check_pod_uid(const std::string& uid) {
  const bool ok =
      !uid.empty() && uid.size() <= 128 && uid.front() != '.' && std::all_of(uid.begin(), uid.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
               c == '.';
      });
  if (!ok) return fail(ErrorCode::kInvalid, fmt::format("pod uid \"{}\" cannot name a file or a namespace", uid));
  return {};
}

AddressBook::AddressBook(std::filesystem::path dir, uint32_t first, uint32_t last, bool skip_octet_edges)
    : dir_(std::move(dir)), first_(first), last_(last), skip_octet_edges_(skip_octet_edges) {}

bool AddressBook::usable(uint32_t address) const {
  if (address < first_ || address > last_) return false;
  const uint32_t octet = address & 0xff;
  return !skip_octet_edges_ || (octet != 0 && octet != 255);
}

std::optional<AddressBook::Record> AddressBook::load(const std::filesystem::path& file) const {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  auto doc = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc["uid"].is_string() || !doc["ip"].is_string()) {
    spdlog::warn("pod network: ignoring unreadable allocation record {}", file.string());
    return std::nullopt;
  }
  auto ip = parse_ipv4(doc["ip"].get<std::string>());
  if (!ip) return std::nullopt;
  return Record{doc["uid"].get<std::string>(), *ip};
}

std::vector<AddressBook::Record> AddressBook::load_all() const {
  std::vector<Record> records;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= kSuffix.size() || !name.ends_with(kSuffix)) continue;
    if (auto record = load(entry.path())) records.push_back(std::move(*record));
  }
  return records;
}

std::optional<uint32_t> AddressBook::find(const std::string& uid) const {
  auto record = load(dir_ / (uid + std::string(kSuffix)));
  if (!record || record->uid != uid) return std::nullopt;
  return record->ip;
}

Result<uint32_t> AddressBook::assign(const std::string& uid) {
  if (auto valid = check_pod_uid(uid); !valid) return fail(valid.error());
  if (auto ip = find(uid); ip && usable(*ip)) return *ip;
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return fail(ErrorCode::kIo, fmt::format("creating {}: {}", dir_.string(), ec.message()));
  std::set<uint32_t> taken;
  for (const auto& record : load_all()) {
    if (record.uid != uid) taken.insert(record.ip);
  }
  for (uint64_t candidate = first_; candidate <= last_; ++candidate) {
    const auto ip = static_cast<uint32_t>(candidate);
    if (!usable(ip) || taken.contains(ip)) continue;
    nlohmann::json doc = {{"uid", uid}, {"ip", format_ipv4(ip)}};
    if (auto written = write_atomically(dir_ / (uid + std::string(kSuffix)), doc.dump() + "\n"); !written) {
      return fail(written.error());
    }
    return ip;
  }
  return fail(ErrorCode::kUnavailable,
              fmt::format("no free pod address left in {}..{}", format_ipv4(first_), format_ipv4(last_)));
}

Result<void> AddressBook::release(const std::string& uid) {
  if (auto valid = check_pod_uid(uid); !valid) return fail(valid.error());
  const auto path = dir_ / (uid + std::string(kSuffix));
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return io_failure("removing", path);
  return {};
}

std::vector<std::string> AddressBook::uids() const {
  std::vector<std::string> uids;
  for (auto& record : load_all()) uids.push_back(std::move(record.uid));
  std::sort(uids.begin(), uids.end());
  return uids;
}

}  // namespace kthena::node
