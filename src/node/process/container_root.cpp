#include "node/process/container_root.h"

#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include <fmt/format.h>

namespace kthena::node {
namespace {

namespace fs = std::filesystem;
using Kind = RootStep::Kind;

// "/models/" and "/models" are one mount point.
fs::path normal(const std::string& path) {
  fs::path p = fs::path(path).lexically_normal();
  if (!p.has_filename() && p != p.root_path()) p = p.parent_path();
  return p;
}

}  // namespace

Result<std::vector<RootStep>> plan_container_root(const std::vector<MissingMountPoint>& missing,
                                                  const std::string& stage) {
  // Folders of the host to mirror (canonical, so that a symbolic link on the way is followed as the mount will
  // follow it), and the entries to make that the host lacks. std::set and std::map order a path before the paths
  // under it, which is the order the steps need.
  std::set<fs::path> mirrored;
  std::map<fs::path, Kind> made;
  for (const MissingMountPoint& m : missing) {
    const fs::path target = normal(m.path);
    if (!target.is_absolute())
      return fail(ErrorCode::kInvalid, fmt::format("mountPath \"{}\" is not absolute", m.path));
    fs::path existing = target;
    std::vector<fs::path> absent;  // the missing parts, deepest first
    std::error_code ec;
    while (!fs::exists(existing, ec)) {
      if (fs::is_symlink(fs::symlink_status(existing, ec))) {
        return fail(ErrorCode::kInvalid, fmt::format("mountPath \"{}\": {} is a dangling symbolic link on this node",
                                                     m.path, existing.string()));
      }
      absent.push_back(existing.filename());
      existing = existing.parent_path();
    }
    const fs::path base = fs::canonical(existing, ec);
    if (ec)
      return fail(ErrorCode::kIo, fmt::format("mountPath \"{}\": {}: {}", m.path, existing.string(), ec.message()));
    if (!fs::is_directory(base, ec)) {
      return fail(ErrorCode::kInvalid,
                  fmt::format("mountPath \"{}\": {} is a file on this node, not a folder", m.path, existing.string()));
    }
    for (fs::path p = base;; p = p.parent_path()) {
      mirrored.insert(p);
      if (p == p.root_path()) break;
    }
    fs::path at = base;
    for (auto part = absent.rbegin(); part != absent.rend(); ++part) {
      at /= *part;
      const Kind kind = std::next(part) == absent.rend() && !m.folder ? Kind::kFile : Kind::kFolder;
      auto [it, added] = made.emplace(at, kind);
      if (!added && it->second != kind) {
        return fail(ErrorCode::kInvalid, fmt::format("mountPath \"{}\": another volume needs {} to be a {}", m.path,
                                                     at.string(), it->second == Kind::kFile ? "file" : "folder"));
      }
    }
  }

  std::vector<RootStep> steps;
  auto under_stage = [&](const fs::path& p) { return stage + p.string(); };
  for (const fs::path& folder : mirrored) {
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      const fs::path entry = it->path();
      if (mirrored.count(entry)) {
        steps.push_back({Kind::kFolder, under_stage(entry), ""});  // filled from its own listing
        continue;
      }
      std::error_code entry_ec;
      const fs::file_status st = fs::symlink_status(entry, entry_ec);
      if (entry_ec) continue;  // gone since it was listed
      if (fs::is_symlink(st)) {
        fs::path target = fs::read_symlink(entry, entry_ec);
        if (!entry_ec) steps.push_back({Kind::kSymlink, under_stage(entry), target.string()});
      } else {
        steps.push_back({fs::is_directory(st) ? Kind::kFolder : Kind::kFile, under_stage(entry), ""});
        steps.push_back({Kind::kBind, under_stage(entry), entry.string()});
      }
    }
    if (ec) return fail(ErrorCode::kIo, fmt::format("listing {}: {}", folder.string(), ec.message()));
  }
  for (const auto& [path, kind] : made) steps.push_back({kind, under_stage(path), ""});
  return steps;
}

}  // namespace kthena::node
