// The manifests of `kthena up -f`: read and checked before the platform starts (a typo is reported at once, not
// after a minute of start-up), applied once it serves, and their models followed until Active, ending with a
// request to paste for each.
#pragma once

#include <iosfwd>
#include <stop_token>
#include <string>
#include <vector>

#include "common/result.h"
#include "ctl/apply.h"
#include "up/up.h"

namespace kthena::cli {

// Every object of the files, folders or "-" named; errors name the file, the document and the field.
Result<std::vector<ctl::ManifestObject>> load_up_manifests(const std::vector<std::string>& inputs);

// Applies the objects (retrying while the API server settles), then, with `wait`, follows every ModelBooster and
// every ModelServing until Active (or Failed, or `timeout`), and prints how to call each model.
void deploy_up_manifests(const up::Platform& platform, const std::vector<ctl::ManifestObject>& objects, bool wait,
                         std::chrono::seconds timeout, std::ostream& out, std::stop_token stop);

}  // namespace kthena::cli
