// libFuzzer: the file listings the downloader reads from the network (src/downloader/remote_listing): a Hugging
// Face revision's siblings, a ModelScope file list, an S3 ListObjectsV2 page. The first byte picks the parser
// (byte % 4: 0 Hugging Face, 1 ModelScope, 2 S3 under prefix "p/", 3 S3 over the whole bucket); the rest is the body.
// Properties: never a crash; a refusal carries a message; every accepted name becomes a relative path with no
// empty, "." or ".." component that stays inside the output folder, is neither the lock file nor a partial file,
// and is what safe_relative_path() returns for it; S3 names lie under the prefix; a Hugging Face commit is hex; the
// same bytes always parse the same way.
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#include "downloader/partial_file.h"
#include "downloader/remote_listing.h"

namespace {

using kthena::Result;
using kthena::downloader::RemoteListing;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

Result<RemoteListing> parse(uint8_t which, std::string_view body) {
  switch (which % 4) {
    case 0:
      return kthena::downloader::parse_hf_listing(body);
    case 1:
      return kthena::downloader::parse_ms_listing(body);
    case 2:
      return kthena::downloader::parse_s3_listing(body, "p/");
    default:
      return kthena::downloader::parse_s3_listing(body, "");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto listing = parse(data[0], body);
  auto again = parse(data[0], body);
  check(listing.has_value() == again.has_value());
  if (!listing) {
    check(!listing.error().message.empty() && listing.error().message == again.error().message);
    return 0;
  }
  check(listing->files.size() == again->files.size() && listing->continuation == again->continuation);
  for (char c : listing->commit) check(std::isxdigit(static_cast<unsigned char>(c)) != 0);
  for (size_t i = 0; i < listing->files.size(); ++i) {
    const auto& f = listing->files[i];
    check(f.name == again->files[i].name && f.path == again->files[i].path && f.size == again->files[i].size);
    check(f.path.is_relative() && !f.path.empty() && f.path != ".lock");
    for (const auto& part : f.path) {
      check(!part.empty() && part != "." && part != "..");
      check(!part.string().ends_with(".kthena-partial"));
    }
    check(f.path.lexically_normal() == f.path);
    std::string_view relative = f.name;
    if (data[0] % 4 == 2) {
      check(relative.substr(0, 2) == "p/");
      relative.remove_prefix(2);
    }
    if (data[0] % 4 >= 2 && !relative.empty() && relative.front() == '/') relative.remove_prefix(1);
    auto safe = kthena::downloader::safe_relative_path(relative);
    check(safe.has_value() && *safe == f.path);
  }
  if (listing->continuation) check(!listing->continuation->empty());
  return 0;
}
