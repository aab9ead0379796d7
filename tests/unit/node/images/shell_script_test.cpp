#include <gtest/gtest.h>

#include "node/images/shell_script.h"

namespace kthena::node {
namespace {

using Words = std::vector<std::string>;

std::vector<Words> words_of(std::string_view script, std::vector<std::pair<std::string, std::string>> env = {}) {
  auto parsed = ShellScript::parse(script, env);
  EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().message);
  std::vector<Words> out;
  if (parsed) {
    for (const ShellCommand& c : parsed->commands()) out.push_back(c.words);
  }
  return out;
}

TEST(ShellScript, SplitsAtEveryCommandSeparator) {
  EXPECT_EQ(words_of("a 1 && b 2 || c; d | e & f\ng"),
            (std::vector<Words>{{"a", "1"}, {"b", "2"}, {"c"}, {"d"}, {"e"}, {"f"}, {"g"}}));
}

TEST(ShellScript, QuotesAndEscapes) {
  EXPECT_EQ(words_of(R"(x --kv '{"a": "b c"}' "d \"e\" \$f \q" g\ h "")"),
            (std::vector<Words>{{"x", "--kv", R"({"a": "b c"})", R"(d "e" $f \q)", "g h", ""}}));
  // A backslash-newline joins lines, inside double quotes too, as in the upstream examples' `\` continuations.
  EXPECT_EQ(words_of("python3 -m m \\\n  --port \"8000\" \\\n  --host \"0.0.0.0\"\n"),
            (std::vector<Words>{{"python3", "-m", "m", "--port", "8000", "--host", "0.0.0.0"}}));
  // Quoted separators are not separators.
  EXPECT_EQ(words_of("echo 'a && b; c' \"|\""), (std::vector<Words>{{"echo", "a && b; c", "|"}}));
}

TEST(ShellScript, AssignmentsExecCommentsAndRedirections) {
  auto parsed = ShellScript::parse("# set up\nA=1 B='x y' exec vllm serve m > /tmp/log 2>&1 # trailing\n");
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->commands().size(), 1u);
  const ShellCommand& c = parsed->commands()[0];
  EXPECT_EQ(c.assignments, (std::vector<std::pair<std::string, std::string>>{{"A", "1"}, {"B", "x y"}}));
  EXPECT_EQ(c.words, (Words{"vllm", "serve", "m"}));
}

TEST(ShellScript, VariablesExpandWhenKnownAndStayOtherwise) {
  EXPECT_EQ(words_of("run --host $POD_IP --n=${N} --x \"$UNSET\" $(hostname -i) `date` $", {{"POD_IP", "10.0.0.7"}}),
            (std::vector<Words>{
                {"run", "--host", "10.0.0.7", "--n=${N}", "--x", "$UNSET", "$(hostname -i)", "`date`", "$"}}));
  // Variables set by the script count for the rest of it.
  EXPECT_EQ(words_of("export PORT=9000; P2=1\nrun --port $PORT $P2"),
            (std::vector<Words>{{"export", "PORT=9000"}, {}, {"run", "--port", "9000", "1"}}));
}

TEST(ShellScript, UnterminatedQuotesAreErrors) {
  for (const char* bad : {"echo 'x", "echo \"x", "echo $(x", "echo `x", "echo ${x"}) {
    EXPECT_FALSE(ShellScript::parse(bad)) << bad;
  }
}

TEST(ShellScript, FindsTheScriptOfShellDashC) {
  EXPECT_EQ(shell_c_script({"sh", "-c", "x"}), "x");
  EXPECT_EQ(shell_c_script({"/bin/bash", "-lc", "y", "arg0"}), "y");
  EXPECT_EQ(shell_c_script({"bash", "-e", "-c", "z"}), "z");
  EXPECT_FALSE(shell_c_script({"sh", "script.sh"}));
  EXPECT_FALSE(shell_c_script({"python3", "-c", "print(1)"}));
  EXPECT_FALSE(shell_c_script({"sh", "-c"}));
}

}  // namespace
}  // namespace kthena::node
