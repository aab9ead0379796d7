// A shell command string (`sh -c "pip install x && exec vllm serve m --port 8000"`) split into its simple
// commands, enough to find an engine invocation inside it without running a shell. Quoting follows POSIX sh:
// single quotes are literal, double quotes keep `\"`, `\\`, `\$`, `` \` `` and line continuations, a backslash
// outside quotes escapes the next character. `$(...)` and backquotes stay inside their word unexpanded; `$NAME`
// and `${NAME}` are expanded from the environment given when it defines them and kept as written otherwise
// (what the engine would see is then at least recognisable in a note). Control flow (if/for/while) is not
// understood: its words come out as ordinary commands, which an engine search simply does not match.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace kthena::node {

// One simple command: `A=1 B=2 exec vllm serve m` gives assignments {A=1, B=2} and words {vllm, serve, m}
// (`exec` dropped: it changes which process runs, not what).
struct ShellCommand {
  std::vector<std::pair<std::string, std::string>> assignments;
  std::vector<std::string> words;
};

class ShellScript {
 public:
  // Splits at `&&`, `||`, `;`, `|`, `&` and newlines; drops comments. Errors: an unterminated quote or `$(`.
  static Result<ShellScript> parse(std::string_view script,
                                   const std::vector<std::pair<std::string, std::string>>& env = {});

  const std::vector<ShellCommand>& commands() const { return commands_; }

 private:
  std::vector<ShellCommand> commands_;
};

// `sh -c SCRIPT ...`, `bash -lc SCRIPT`, `/bin/sh -ec SCRIPT`: the script, or nothing when argv is no shell -c.
std::optional<std::string> shell_c_script(const std::vector<std::string>& argv);

}  // namespace kthena::node
