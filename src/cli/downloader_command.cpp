// `kthena downloader -s SOURCE [-o DIR] [-w N] [-c JSON] [--dry-run]` (spec §7.2, docs/downloader.md): fetches a
// model into DIR once, however many pods sharing DIR run it. Exit codes: 0 done, 1 any failure (one line on
// stderr naming the source), 2 bad flags.
#include <cstdlib>
#include <exception>
#include <iostream>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "api/codec/json_decoder.h"
#include "cli/command.h"
#include "downloader/downloader.h"

namespace kthena::cli {
namespace {

struct DownloaderFlags {
  std::string source;
  std::string output_dir = "~/downloads";
  int max_workers = 8;
  std::string config;
  bool dry_run = false;
};

// "~" and "~/x" as a shell would expand them, since the default is written that way (upstream's expanduser).
std::filesystem::path expand_home(const std::string& path) {
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0' || path.empty() || path[0] != '~') return path;
  if (path.size() == 1) return home;
  if (path[1] == '/') return std::filesystem::path(home) / path.substr(2);
  return path;
}

int run(const DownloaderFlags& flags) {
  downloader::DownloadOptions options;
  options.source = flags.source;
  options.output_dir = std::filesystem::absolute(expand_home(flags.output_dir)).lexically_normal();
  options.max_workers = flags.max_workers;
  options.dry_run = flags.dry_run;
  if (!flags.config.empty()) {
    auto config = api::decode_json(flags.config, "--config");
    if (!config) {
      std::cerr << "downloader: " << config.error().to_string() << "\n";
      return 1;
    }
    options.config = std::move(*config);
  }
  auto done = downloader::download(options, [](const std::string& line) { spdlog::info("downloader: {}", line); });
  if (!done) {
    std::cerr << "downloader: " << done.error().to_string() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

void add_downloader_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<DownloaderFlags>();
  auto* cmd = app.add_subcommand("downloader", "Download a model into a folder that pods may share, once");
  cmd->add_option("-s,--source", flags->source,
                  "pvc://<path>, hostpath://<path>, a local path, hf://<repo>, ms://<repo>, s3://<bucket>/<path>, "
                  "obs://<bucket>/<path>, or a Hugging Face repo id")
      ->required();
  cmd->add_option("-o,--output-dir", flags->output_dir, "Where the files go (made absolute)")->capture_default_str();
  cmd->add_option("-w,--max-workers", flags->max_workers, "Parallel downloads")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("-c,--config", flags->config,
                  "JSON object: hf_token, hf_endpoint, hf_revision, ms_token, ms_revision, access_key, secret_key, "
                  "endpoint (environment variables fill missing keys)");
  cmd->add_flag("--dry-run", flags->dry_run, "Check the source and log what would be fetched; write nothing");
  cmd->footer("See docs/downloader.md for the sources, the credentials and the lock that lets pods share a cache.");
  cmd->callback([flags, &exit_code] {
    try {
      exit_code = run(*flags);
    } catch (const std::exception& e) {
      std::cerr << "downloader: " << flags->source << ": internal error: " << e.what() << "\n";
      exit_code = 1;
    }
  });
}

}  // namespace kthena::cli
