#include "node/images/shell_script.h"

#include <algorithm>
#include <filesystem>

namespace kthena::node {
namespace {

bool name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool name_char(char c) {
  return name_start(c) || (c >= '0' && c <= '9');
}

// "NAME=value" with a valid NAME: an assignment when it comes before a command's first word.
std::optional<std::pair<std::string, std::string>> as_assignment(const std::string& word) {
  size_t eq = word.find('=');
  if (eq == std::string::npos || eq == 0 || !name_start(word[0])) return std::nullopt;
  if (!std::all_of(word.begin(), word.begin() + static_cast<std::ptrdiff_t>(eq), name_char)) return std::nullopt;
  return std::pair{word.substr(0, eq), word.substr(eq + 1)};
}

class Parser {
 public:
  Parser(std::string_view s, std::vector<std::pair<std::string, std::string>> env) : s_(s), env_(std::move(env)) {}

  Result<std::vector<ShellCommand>> run() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\r') {
        end_word();
        ++i_;
      } else if (c == '\n') {
        end_command();
        ++i_;
      } else if (c == '#' && !in_word_) {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else if (c == ';' || c == '&' || c == '|') {
        end_command();
        ++i_;
        if (i_ < s_.size() && s_[i_] == c) ++i_;  // && || ;;
      } else if (c == '>' || c == '<') {
        redirect();
      } else if (c == '\'') {
        size_t close = s_.find('\'', i_ + 1);
        if (close == std::string_view::npos) return fail(ErrorCode::kInvalid, "unterminated single quote");
        word_.append(s_.substr(i_ + 1, close - i_ - 1));
        in_word_ = true;
        i_ = close + 1;
      } else if (c == '"') {
        if (auto r = double_quoted(); !r) return tl::unexpected(r.error());
      } else if (c == '\\') {
        if (i_ + 1 < s_.size() && s_[i_ + 1] != '\n') {
          word_ += s_[i_ + 1];
          in_word_ = true;
        }
        i_ += 2;  // a backslash-newline joins lines
      } else if (c == '$') {
        if (auto r = dollar(); !r) return tl::unexpected(r.error());
      } else if (c == '`') {
        size_t close = s_.find('`', i_ + 1);
        if (close == std::string_view::npos) return fail(ErrorCode::kInvalid, "unterminated backquote");
        word_.append(s_.substr(i_, close - i_ + 1));
        in_word_ = true;
        i_ = close + 1;
      } else {
        word_ += c;
        in_word_ = true;
        ++i_;
      }
    }
    end_command();
    return std::move(commands_);
  }

 private:
  Result<void> double_quoted() {
    in_word_ = true;
    ++i_;
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_];
      if (c == '\\' && i_ + 1 < s_.size()) {
        char n = s_[i_ + 1];
        if (n == '$' || n == '`' || n == '"' || n == '\\') {
          word_ += n;
        } else if (n != '\n') {
          word_ += c;
          word_ += n;
        }
        i_ += 2;
      } else if (c == '$') {
        if (auto r = dollar(); !r) return r;
      } else {
        word_ += c;
        ++i_;
      }
    }
    if (i_ >= s_.size()) return fail(ErrorCode::kInvalid, "unterminated double quote");
    ++i_;
    return {};
  }

  // At a '$': a variable is expanded when known, a command substitution is kept whole in the word.
  Result<void> dollar() {
    in_word_ = true;
    if (i_ + 1 < s_.size() && s_[i_ + 1] == '(') {
      size_t depth = 0;
      size_t k = i_ + 1;
      for (; k < s_.size(); ++k) {
        if (s_[k] == '(') ++depth;
        if (s_[k] == ')' && --depth == 0) break;
      }
      if (k >= s_.size()) return fail(ErrorCode::kInvalid, "unterminated $(");
      word_.append(s_.substr(i_, k - i_ + 1));
      i_ = k + 1;
      return {};
    }
    size_t start = i_;
    std::string name;
    if (i_ + 1 < s_.size() && s_[i_ + 1] == '{') {
      size_t close = s_.find('}', i_ + 2);
      if (close == std::string_view::npos) return fail(ErrorCode::kInvalid, "unterminated ${");
      name = std::string(s_.substr(i_ + 2, close - i_ - 2));
      i_ = close + 1;
    } else if (i_ + 1 < s_.size() && name_start(s_[i_ + 1])) {
      size_t k = i_ + 1;
      while (k < s_.size() && name_char(s_[k])) ++k;
      name = std::string(s_.substr(i_ + 1, k - i_ - 1));
      i_ = k;
    } else {
      word_ += '$';
      ++i_;
      return {};
    }
    // The last assignment wins, as later `export`s override earlier ones.
    auto it = std::find_if(env_.rbegin(), env_.rend(), [&](const auto& kv) { return kv.first == name; });
    if (it != env_.rend()) {
      word_ += it->second;
    } else {
      word_.append(s_.substr(start, i_ - start));
    }
    return {};
  }

  // `> file`, `2>&1`, `>> log`, `< in`: not part of the command's arguments, so dropped with their target.
  void redirect() {
    if (in_word_ && !word_.empty() &&
        std::all_of(word_.begin(), word_.end(), [](char d) { return d >= '0' && d <= '9'; })) {
      word_.clear();
      in_word_ = false;
    }
    end_word();
    ++i_;
    while (i_ < s_.size() && (s_[i_] == '>' || s_[i_] == '<' || s_[i_] == '&')) ++i_;
    skip_next_word_ = true;
  }

  void end_word() {
    if (!in_word_) return;
    std::string w = std::move(word_);
    word_.clear();
    in_word_ = false;
    if (skip_next_word_) {
      skip_next_word_ = false;
      return;
    }
    if (current_.words.empty()) {
      if (auto a = as_assignment(w)) {
        current_.assignments.push_back(*a);
        return;
      }
      if (w == "exec") return;
    }
    current_.words.push_back(std::move(w));
  }

  void end_command() {
    end_word();
    skip_next_word_ = false;
    // `A=1` alone and `export A=1` set a variable for the rest of the script.
    if (current_.words.empty() || current_.words.front() == "export") {
      for (const auto& a : current_.assignments) env_.push_back(a);
      for (size_t k = 1; k < current_.words.size(); ++k) {
        if (auto a = as_assignment(current_.words[k])) env_.push_back(*a);
      }
    }
    if (!current_.words.empty() || !current_.assignments.empty()) commands_.push_back(std::move(current_));
    current_ = {};
  }

  std::string_view s_;
  std::vector<std::pair<std::string, std::string>> env_;
  size_t i_ = 0;
  std::string word_;
  bool in_word_ = false;  // a word has begun, even an empty one ("")
  bool skip_next_word_ = false;
  ShellCommand current_;
  std::vector<ShellCommand> commands_;
};

}  // namespace

Result<ShellScript> ShellScript::parse(std::string_view script,
                                       const std::vector<std::pair<std::string, std::string>>& env) {
  auto commands = Parser(script, env).run();
  if (!commands) return tl::unexpected(commands.error());
  ShellScript out;
  out.commands_ = std::move(*commands);
  return out;
}

std::optional<std::string> shell_c_script(const std::vector<std::string>& argv) {
  if (argv.empty()) return std::nullopt;
  const std::string shell = std::filesystem::path(argv[0]).filename().string();
  if (shell != "sh" && shell != "bash" && shell != "dash" && shell != "ash" && shell != "zsh") return std::nullopt;
  bool has_c = false;
  size_t k = 1;
  for (; k < argv.size() && argv[k].size() > 1 && argv[k][0] == '-'; ++k) {
    if (argv[k].find('c') != std::string::npos && !argv[k].starts_with("--")) has_c = true;
  }
  if (!has_c || k >= argv.size()) return std::nullopt;
  return argv[k];
}

}  // namespace kthena::node
