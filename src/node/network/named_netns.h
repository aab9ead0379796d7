// Named network namespaces, by the convention of `ip netns`: a namespace is kept alive by a bind mount of its nsfs
// file onto /run/netns/<name>, so `ip netns exec <name> ...` works on a pod's namespace for debugging, and the
// namespace outlives the thread that made it (and a restarted agent finds it again).
#pragma once

#include <filesystem>

#include "common/result.h"
#include "node/unique_fd.h"

namespace kthena::node {

// Makes a new network namespace and mounts it at `path` (the folder is made, as a shared mount like `ip netns add`
// makes it, so that an unmount reaches every mount namespace). A namespace already mounted there is kept: returns
// false. The new namespace holds only `lo`, down. EPERM/EACCES come back as kForbidden.
Result<bool> create_named_netns(const std::filesystem::path& path);
// Unmounts and removes `path`; absent is no error. Processes still inside keep the namespace until they end.
Result<void> remove_named_netns(const std::filesystem::path& path);
// Whether this process may make network namespaces (kForbidden when not), tried on a throwaway thread.
Result<void> probe_new_netns();
// Whether a namespace is mounted at `path`.
bool is_named_netns(const std::filesystem::path& path);
// A socket created inside the namespace at `path` (a socket stays in the namespace it was made in, whichever thread
// uses it later). The switch happens on a short-lived thread: no thread that goes on serving ever changes namespace.
Result<UniqueFd> socket_in_netns(const std::filesystem::path& path, int domain, int type, int protocol);

}  // namespace kthena::node
