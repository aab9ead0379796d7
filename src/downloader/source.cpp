#include "downloader/source.h"

#include <algorithm>

namespace kthena::downloader {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// huggingface_hub's validate_repo_id rules, which ModelScope shares: one or two parts of [A-Za-z0-9._-], no "--" or
// "..", no part starting or ending with "." or "-", at most 96 characters. Anything else would also change the
// meaning of the URL path it is pasted into.
bool valid_repo_id(std::string_view repo) {
  if (repo.empty() || repo.size() > 96) return false;
  if (repo.find("--") != std::string_view::npos || repo.find("..") != std::string_view::npos) return false;
  size_t slashes = std::count(repo.begin(), repo.end(), '/');
  if (slashes > 1) return false;
  size_t start = 0;
  while (start <= repo.size()) {
    size_t end = std::min(repo.find('/', start), repo.size());
    std::string_view part = repo.substr(start, end - start);
    if (part.empty() || part.front() == '.' || part.front() == '-' || part.back() == '.' || part.back() == '-') {
      return false;
    }
    for (char c : part) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                c == '-';
      if (!ok) return false;
    }
    start = end + 1;
  }
  return true;
}

Result<Source> local(std::string_view source, std::string_view path) {
  if (path.empty()) return fail(ErrorCode::kInvalid, "names no path", std::string(source));
  std::filesystem::path p(path);
  // pvc:// and hostpath:// paths are absolute inside the pod (upstream prepends "/"); a plain path is taken as given.
  if (starts_with(source, "pvc://") || starts_with(source, "hostpath://")) p = "/" / p.relative_path();
  p = std::filesystem::absolute(p).lexically_normal();
  if (!p.has_filename() && p != p.root_path()) p = p.parent_path();  // "/models/x/" names "/models/x"
  return LocalSource{p};
}

Result<Source> hub(std::string_view source, Hub which, std::string_view repo) {
  while (!repo.empty() && repo.back() == '/') repo.remove_suffix(1);
  if (!valid_repo_id(repo)) {
    return fail(ErrorCode::kInvalid,
                std::string("is not a ") + (which == Hub::kModelScope ? "ModelScope" : "Hugging Face") +
                    " repo id (namespace/name of letters, digits, '.', '_' and '-')",
                std::string(source));
  }
  return HubSource{which, std::string(repo)};
}

}  // namespace

Result<Source> parse_source(std::string_view source) {
  if (source.empty()) return fail(ErrorCode::kInvalid, "is required", "--source");
  if (starts_with(source, "pvc://")) return local(source, source.substr(6));
  if (starts_with(source, "hostpath://")) return local(source, source.substr(11));
  if (starts_with(source, "/") || starts_with(source, "./") || starts_with(source, "../")) {
    return local(source, source);
  }
  for (std::string_view scheme : {std::string_view("s3://"), std::string_view("obs://")}) {
    if (!starts_with(source, scheme)) continue;
    std::string_view rest = source.substr(scheme.size());
    size_t slash = rest.find('/');
    std::string_view bucket = rest.substr(0, slash);
    if (bucket.empty()) return fail(ErrorCode::kInvalid, "names no bucket", std::string(source));
    std::string prefix = slash == std::string_view::npos ? std::string() : std::string(rest.substr(slash + 1));
    return S3Source{std::string(bucket), prefix};
  }
  if (starts_with(source, "ms://")) return hub(source, Hub::kModelScope, source.substr(5));
  if (starts_with(source, "hf://")) return hub(source, Hub::kHuggingFace, source.substr(5));
  return hub(source, Hub::kHuggingFace, source);
}

}  // namespace kthena::downloader
