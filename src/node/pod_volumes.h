// A pod's volumes on this node: each becomes a host folder (emptyDir under the pod's folder, hostPath as given and
// allowed, configMap / secret / downwardAPI files written out, a persistentVolumeClaim a folder per claim under the
// data dir), and each volumeMount a bind mount of that folder (or of its subPath) at the mountPath.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/json.h"
#include "common/result.h"
#include "node/pod_env.h"
#include "node/process/container_process.h"

namespace kthena::node {

struct VolumeOptions {
  std::filesystem::path pod_dir;        // <data>/pods/<uid>
  std::filesystem::path claims_dir;     // <data>/claims: <namespace>/<claim>
  std::vector<std::string> host_paths;  // allowed hostPath prefixes; empty: any
  // Where hostPath volumes live: "" is the host's root; a folder stands for the root of a simulated node, so that
  // a pod's hostPath /etc/hccn.conf is <root>/etc/hccn.conf and DirectoryOrCreate makes folders there, not on
  // the host. The allowed prefixes apply to the path as the pod writes it.
  std::filesystem::path host_path_root;
  std::optional<uid_t> owner;  // the pod's user owns what the agent creates for it
  std::optional<gid_t> group;
};

// Materializes every volume of `pod` (idempotent: files are rewritten, folders kept) and returns name -> host path.
// Errors name the volume: "volumes[2] (models): hostPath /etc is outside the node's allowed prefixes".
Result<std::map<std::string, std::filesystem::path>> prepare_volumes(const Json& pod, const VolumeOptions& options,
                                                                     const ObjectLookup& lookup,
                                                                     const std::string& pod_ip);

// The bind mounts of `container`'s volumeMounts. Errors name the mount.
Result<std::vector<Mount>> container_mounts(const Json& container,
                                            const std::map<std::string, std::filesystem::path>& volumes);

}  // namespace kthena::node
