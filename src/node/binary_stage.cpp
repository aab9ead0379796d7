#include "node/binary_stage.h"

namespace kthena::node {

namespace fs = std::filesystem;

Result<fs::path> stage_binary_for_pods(const fs::path& binary, const fs::path& data_dir) {
  const fs::path folder = data_dir / "bin";
  const fs::path target = folder / "kthena";
  const fs::path temp = folder / "kthena.staging";
  constexpr fs::perms kReachable = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                   fs::perms::others_read | fs::perms::others_exec;
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot make it: " + ec.message(), folder.string());
  fs::permissions(folder, kReachable, ec);
  fs::remove(temp, ec);
  fs::create_hard_link(binary, temp, ec);
  if (ec) {
    ec.clear();
    fs::copy_file(binary, temp, fs::copy_options::overwrite_existing, ec);
    if (ec) return fail(ErrorCode::kIo, "cannot copy " + binary.string() + " there: " + ec.message(), temp.string());
  }
  fs::permissions(temp, kReachable, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot make it executable by pods: " + ec.message(), temp.string());
  // A rename replaces the previous agent's link at once; running pods keep the file they started from.
  fs::rename(temp, target, ec);
  if (ec) return fail(ErrorCode::kIo, ec.message(), target.string());
  return target;
}

}  // namespace kthena::node
