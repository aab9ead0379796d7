// `kthena crds [--output-dir DIR]`: the CustomResourceDefinitions of every Kthena kind, rendered from the same
// schemas that admission uses. Without --output-dir they go to stdout as one YAML stream.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "api/registry/crd_renderer.h"
#include "cli/command.h"

namespace kthena::cli {

void add_crds_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("crds", "Print or write the CustomResourceDefinitions of the Kthena kinds");
  auto output_dir = std::make_shared<std::string>();
  cmd->add_option("--output-dir", *output_dir, "Write one file per CRD (<group>_<plural>.yaml) into this folder");
  cmd->callback([&exit_code, output_dir] {
    std::vector<api::CrdFile> files = api::render_crds(api::KindRegistry::builtin());
    if (output_dir->empty()) {
      for (const api::CrdFile& f : files) std::cout << f.yaml;
      exit_code = 0;
      return;
    }
    std::error_code ec;
    std::filesystem::create_directories(*output_dir, ec);
    if (ec) {
      std::cerr << "kthena crds: " << *output_dir << ": " << ec.message() << "\n";
      exit_code = 2;
      return;
    }
    for (const api::CrdFile& f : files) {
      std::filesystem::path path = std::filesystem::path(*output_dir) / f.file_name;
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << f.yaml;
      out.close();
      if (!out) {
        std::cerr << "kthena crds: cannot write " << path.string() << "\n";
        exit_code = 2;
        return;
      }
      std::cout << path.string() << "\n";
    }
    exit_code = 0;
  });
}

}  // namespace kthena::cli
