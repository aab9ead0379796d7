// The configuration the host's nginx runs with in place of an nginx image: the image's default site (a welcome
// page on the container's port), with every path nginx writes (pid, temp folders) in the container's scratch
// folder, so several pods' nginx run side by side without root and without touching /var.
#pragma once

#include <filesystem>
#include <string>

namespace kthena::node {

struct NginxSite {
  std::filesystem::path scratch_dir;  // the prefix (-p): pid file, temp folders, html/
  std::string address;                // "0.0.0.0" in a pod's own network namespace, else the pod IP
  int port = 80;
};

// nginx.conf for the site: `daemon off` (the agent supervises the process), one worker, logs to stderr/stdout
// (the container's log), the welcome page under <scratch>/html.
std::string nginx_config(const NginxSite& site);

// The welcome page the image serves at /.
std::string nginx_index_html();

}  // namespace kthena::node
