// A container root for mount points the host lacks. Upstream's pods mount their volumes at /models, /mnt/cache/...,
// /etc/hccn.conf: paths a container image has, or its runtime makes, but this host may not. Making them on the host
// would change the host for every process (as root, racing with other containers); instead, the container gets a
// root of its own, a tmpfs in which every existing ancestor of a missing mount point is a folder whose entries are
// the host's (bind mounts, symbolic links copied), and the missing parts are made there. Everything else is the
// host's, as for any container on this node; only the mirrored folders themselves are not (a file a container
// creates in one lands in the tmpfs and goes with it).
//
// The plan is made by the parent (which may allocate and read the host's folders); the child only replays the
// steps with raw system calls before its pivot_root (spawn_plan.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace kthena::node {

struct MissingMountPoint {
  std::string path;    // absolute, as the pod wrote it
  bool folder = true;  // the volume is a folder (else a file)
};

struct RootStep {
  enum class Kind : int8_t { kFolder, kFile, kSymlink, kBind };
  Kind kind = Kind::kFolder;
  std::string path;    // where, under the stage: "<stage>/etc"
  std::string source;  // kBind: the host's path; kSymlink: the link's target, as read
};

// The steps that build, in a tmpfs mounted at `stage`, a root equal to the host's plus `missing`. Parents come
// before their entries. Errors name the mount point: a missing path under an existing file, a dangling symbolic
// link on the way, two mount points that need a file and a folder at one place.
Result<std::vector<RootStep>> plan_container_root(const std::vector<MissingMountPoint>& missing,
                                                  const std::string& stage);

}  // namespace kthena::node
