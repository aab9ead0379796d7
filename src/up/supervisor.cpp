#include "up/supervisor.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <ostream>
#include <sstream>

#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace kthena::up {
namespace {

using Clock = std::chrono::steady_clock;

// A component that ran this long before it exited is restarted after the shortest back-off again.
constexpr std::chrono::seconds kHealthyRun{60};
constexpr std::chrono::milliseconds kFirstBackoff{1000};
constexpr std::chrono::milliseconds kLongestBackoff{30000};

sigset_t supervised_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGCHLD);
  return set;
}

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by signal ") + ::strsignal(WTERMSIG(status));
  return "stopped";
}

// Between fork and exec only async-signal-safe calls: the parent may have other threads holding locks.
[[noreturn]] void exec_child(const std::vector<char*>& argv, int log_fd, int error_fd, pid_t parent) {
  ::setpgid(0, 0);  // Ctrl-C on the terminal reaches the supervisor alone, which stops the components in order.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (::getppid() != parent) ::_exit(127);  // the supervisor died before the death signal was armed
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);  // exec keeps the mask; the component needs its signals back
  int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) ::dup2(null_fd, 0);
  ::dup2(log_fd, 1);
  ::dup2(log_fd, 2);
  // Sockets of the supervisor's client threads and the directory lock must not live on in the components.
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  ::execv(argv[0], argv.data());
  int err = errno;
  [[maybe_unused]] auto written = ::write(error_fd, &err, sizeof err);
  ::_exit(127);
}

}  // namespace

Supervisor::Supervisor(std::ostream& out) : out_(out) {
  sigset_t set = supervised_signals();
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

Supervisor::~Supervisor() {
  stop_all();
}

Result<void> Supervisor::start(ComponentSpec spec) {
  if (find(spec.name)) return fail(ErrorCode::kAlreadyExists, "component " + spec.name + " is already supervised");
  if (spec.argv.empty()) return fail(ErrorCode::kInvalid, "component " + spec.name + " has no command");
  children_.push_back(Child{.spec = std::move(spec)});
  if (auto spawned = spawn(children_.back()); !spawned) {
    children_.pop_back();
    return spawned;
  }
  return {};
}

Result<void> Supervisor::spawn(Child& child) {
  const ComponentSpec& spec = child.spec;
  std::error_code ec;
  std::filesystem::create_directories(spec.log.parent_path(), ec);
  int log_fd = ::open(spec.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return fail(ErrorCode::kIo, std::string("cannot open its log: ") + ::strerror(errno), spec.log);
  struct stat st {};
  child.log_offset = ::fstat(log_fd, &st) == 0 ? static_cast<uintmax_t>(st.st_size) : 0;
  int error_pipe[2];
  if (::pipe2(error_pipe, O_CLOEXEC) != 0) {
    ::close(log_fd);
    return fail(ErrorCode::kIo, std::string("pipe: ") + ::strerror(errno));
  }
  std::vector<std::string> args = spec.argv;
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) exec_child(argv, log_fd, error_pipe[1], parent);
  int fork_errno = errno;
  ::close(log_fd);
  ::close(error_pipe[1]);
  if (pid < 0) {
    ::close(error_pipe[0]);
    return fail(ErrorCode::kIo, std::string("fork: ") + ::strerror(fork_errno));
  }
  int exec_errno = 0;
  ssize_t n;
  do {
    n = ::read(error_pipe[0], &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  ::close(error_pipe[0]);
  if (n == static_cast<ssize_t>(sizeof exec_errno)) {
    ::waitpid(pid, nullptr, 0);
    return fail(ErrorCode::kIo, "cannot run " + spec.argv[0] + ": " + ::strerror(exec_errno), spec.name);
  }
  child.pid = pid;
  child.starts++;
  child.started_at = Clock::now();
  return {};
}

void Supervisor::reap() {
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    for (Child& child : children_) {
      if (child.pid != pid) continue;
      child.pid = -1;
      if (stopping_) break;
      auto now = Clock::now();
      if (now - child.started_at >= kHealthyRun) child.backoff = kFirstBackoff;
      child.restart_at = now + child.backoff;
      out_ << "kthena up: " << child.spec.name << " " << describe_exit(status) << "; restarting it in "
           << child.backoff.count() / 1000.0 << " s (its log: " << child.spec.log.string() << ")" << std::endl;
      child.backoff = std::min(child.backoff * 2, kLongestBackoff);
      break;
    }
  }
}

bool Supervisor::poll(std::chrono::milliseconds timeout) {
  sigset_t set = supervised_signals();
  auto deadline = Clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - Clock::now());
    if (left.count() < 0) left = std::chrono::nanoseconds(0);
    timespec wait{static_cast<time_t>(left.count() / 1000000000), static_cast<long>(left.count() % 1000000000)};
    int sig = ::sigtimedwait(&set, nullptr, &wait);
    if (sig == SIGINT || sig == SIGTERM) {
      if (!stop_requested_) out_ << "kthena up: " << ::strsignal(sig) << ", stopping" << std::endl;
      stop_requested_ = true;
    }
    reap();
    if (!stop_requested_ && !stopping_) {
      auto now = Clock::now();
      for (Child& child : children_) {
        if (child.pid >= 0 || now < child.restart_at) continue;
        if (auto spawned = spawn(child); !spawned) {
          out_ << "kthena up: " << spawned.error().to_string() << std::endl;
          child.restart_at = now + child.backoff;
        }
      }
    }
    if (stop_requested_ || sig < 0 || Clock::now() >= deadline) return !stop_requested_;
  }
}

bool Supervisor::running(const std::string& name) const {
  const Child* child = find(name);
  return child && child->pid >= 0;
}

int Supervisor::starts(const std::string& name) const {
  const Child* child = find(name);
  return child ? child->starts : 0;
}

std::string Supervisor::output_since_start(const std::string& name) const {
  const Child* child = find(name);
  if (!child) return {};
  std::ifstream in(child->spec.log, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(child->log_offset));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const Supervisor::Child* Supervisor::find(const std::string& name) const {
  for (const Child& child : children_) {
    if (child.spec.name == name) return &child;
  }
  return nullptr;
}

void Supervisor::stop_all() {
  stopping_ = true;
  for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
    Child& child = *it;
    if (child.pid < 0) continue;
    ::kill(child.pid, SIGTERM);
    auto deadline = Clock::now() + child.spec.stop_grace;
    while (child.pid >= 0 && Clock::now() < deadline) {
      int status = 0;
      pid_t pid = ::waitpid(child.pid, &status, WNOHANG);
      if (pid == child.pid) {
        child.pid = -1;
        break;
      }
      ::usleep(20000);
    }
    if (child.pid >= 0) {
      out_ << "kthena up: " << child.spec.name << " did not stop within " << child.spec.stop_grace.count() / 1000.0
           << " s; killing it" << std::endl;
      ::kill(child.pid, SIGKILL);
      ::waitpid(child.pid, nullptr, 0);
      child.pid = -1;
    }
  }
}

}  // namespace kthena::up
