// Where `kthena validate` and `kthena convert` get their bytes: the files and folders a user names with -f. Every
// failure is an error value naming the path (the file system throws nothing at us), and every read is bounded, so
// `-f /dev/zero` ends with a message instead of exhausting memory.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/result.h"

namespace kthena::cli {

// The largest manifest read: 64 MiB. Far beyond any real one (the API server takes at most 3 MiB per request),
// and the bound on what an endless device or a runaway pipe can make us hold.
inline constexpr size_t kMaxManifestBytes = size_t{64} << 20;

// The whole of `path`: a regular file, or whatever else read(2) gives (a pipe, such as `-f <(...)`, or a device),
// up to kMaxManifestBytes. Errors carry the path as their field: "x.yaml: cannot read: Permission denied",
// "x.yaml: is a directory, not a file", "x.yaml: larger than the 64 MiB limit for a manifest".
Result<std::string> read_manifest(const std::string& path);
// Standard input, with the same limit; errors name it `<stdin>`.
Result<std::string> read_manifest_stdin();

struct ManifestFiles {
  std::vector<std::string> files;  // in the order to check them
  std::vector<Error> errors;       // inputs and folder entries that could not be followed or listed
};

// The files `inputs` name. A file is taken as given, whatever its name or type. A folder is walked recursively
// for regular files named *.yaml, *.yml or *.json, sorted by path; symbolic links to folders are not followed (as
// kubectl does not), so a link cycle cannot trap the walk. A link named like a manifest that leads nowhere
// (missing target, a loop), an input that does not exist and a folder that cannot be listed are errors; the walk
// goes on past them.
ManifestFiles find_manifests(const std::vector<std::string>& inputs);

}  // namespace kthena::cli
