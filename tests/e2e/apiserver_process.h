// `kthena apiserver` as a child process, for end-to-end tests: started on a free port, stopped with SIGTERM or
// killed with SIGKILL, restarted on the same data directory; kubectl and the kube client are pointed at it.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "unit/apiserver/support/command.h"

namespace kthena::testing {

class ApiServerProcess {
 public:
  explicit ApiServerProcess(std::filesystem::path data_dir, std::string extra_args = {})
      : data_dir_(std::move(data_dir)), extra_args_(std::move(extra_args)) {}
  ~ApiServerProcess() { kill(SIGKILL); }
  ApiServerProcess(const ApiServerProcess&) = delete;
  ApiServerProcess& operator=(const ApiServerProcess&) = delete;

  // Starts the server and waits for its "serving <url> kubeconfig <path>" line. `listen` keeps the port across
  // restarts (kubectl caches discovery per host:port).
  bool start(const std::string& listen = "127.0.0.1:0") {
    int out[2];
    if (pipe(out) != 0) return false;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      int devnull = open(log_path().c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (devnull >= 0) dup2(devnull, STDERR_FILENO);
      close(out[0]);
      close(out[1]);
      std::string command = std::string(KTHENA_BINARY) + " --log-level warn apiserver --data-dir " +
                            data_dir_.string() + " --listen " + listen + " " + extra_args_;
      execl("/bin/sh", "sh", "-c", ("exec " + command).c_str(), nullptr);
      _exit(127);
    }
    close(out[1]);
    FILE* stream = fdopen(out[0], "r");
    char line[4096] = {};
    bool ok = fgets(line, sizeof(line), stream) != nullptr;
    fclose(stream);
    if (!ok) return false;
    std::string text(line);
    auto url_start = text.find("serving ");
    auto config_start = text.find(" kubeconfig ");
    if (url_start == std::string::npos || config_start == std::string::npos) return false;
    url_ = text.substr(url_start + 8, config_start - url_start - 8);
    kubeconfig_ = text.substr(config_start + 12);
    while (!kubeconfig_.empty() && (kubeconfig_.back() == '\n' || kubeconfig_.back() == '\r')) kubeconfig_.pop_back();
    return true;
  }

  // SIGKILL: no chance to flush anything; SIGTERM: a clean shutdown. Waits for the process to end.
  int kill(int signal) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

  const std::string& url() const { return url_; }
  pid_t pid() const { return pid_; }
  // "127.0.0.1:PORT"
  std::string authority() const { return url_.substr(url_.find("://") + 3); }
  const std::string& kubeconfig() const { return kubeconfig_; }
  std::filesystem::path log_path() const { return data_dir_.parent_path() / "apiserver.log"; }

  CommandResult kubectl(const std::string& args, const std::string& env = {}) const {
    return run_command(env + (env.empty() ? "" : " ") + "kubectl --kubeconfig " + kubeconfig_ + " --cache-dir " +
                       (data_dir_.parent_path() / "kubectl-cache").string() + " " + args);
  }

 private:
  std::filesystem::path data_dir_;
  std::string extra_args_;
  pid_t pid_ = -1;
  std::string url_;
  std::string kubeconfig_;
};

}  // namespace kthena::testing
