// Where pods find the kthena binary. The simulation profile runs `kthena engine-sim`, `kthena runtime` and
// `kthena downloader` inside pods, as an unprivileged user (docs/node.md, "Security"), and that user must be able
// to reach the binary: a checkout under /root, or in a temporary folder of mode 0700, is not reachable. So the agent,
// when it runs as root, links the binary (or copies it, across file systems) to <data>/bin/kthena, which every pod
// user can reach, and runs that.
#pragma once

#include <filesystem>

#include "common/result.h"

namespace kthena::node {

// <data_dir>/bin/kthena, replaced atomically by a hard link to `binary` (a copy when they are on different file
// systems), mode 0755 in a folder of mode 0755.
Result<std::filesystem::path> stage_binary_for_pods(const std::filesystem::path& binary,
                                                    const std::filesystem::path& data_dir);

}  // namespace kthena::node
