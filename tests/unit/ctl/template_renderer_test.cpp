#include "ctl/template_renderer.h"

#include <gtest/gtest.h>

namespace kthena::ctl {
namespace {

std::string render(std::string_view source, const Json& values = Json::object()) {
  auto out = render_template(source, "Vendor/Model", values);
  EXPECT_TRUE(out) << out.error().to_string();
  return out ? *out : std::string();
}

Error render_error(std::string_view source, const Json& values = Json::object()) {
  auto out = render_template(source, "Vendor/Model", values);
  EXPECT_FALSE(out) << *out;
  return out ? Error{} : out.error();
}

TEST(TemplateRenderer, ValuesAndMissingValues) {
  Json values = {{"name", "demo"}, {"nested", {{"port", 8000}}}, {"ratio", 0.9}, {"on", true}};
  EXPECT_EQ(render("name: {{ .Values.name }}\n", values), "name: demo\n");
  EXPECT_EQ(render("port: {{.Values.nested.port}}", values), "port: 8000");
  EXPECT_EQ(render("r: {{ .Values.ratio }} b: {{ .Values.on }}", values), "r: 0.9 b: true");
  EXPECT_EQ(render("x: {{ .Values.missing }}|{{ .Values.name.deeper }}|", values), "x: ||");
  EXPECT_EQ(render("{{ .Chart.Name }} {{ .Chart.Version }}"), "kthena-template 1.0.0");
  EXPECT_EQ(render("big: {{ .Values.n }}", Json{{"n", 1000000}}), "big: 1000000");
}

TEST(TemplateRenderer, DefaultIsSprigs) {
  EXPECT_EQ(render(R"({{ .Values.x | default "v" }})"), "v");
  EXPECT_EQ(render(R"({{ .Values.x | default "v" }})", Json{{"x", "set"}}), "set");
  // Sprig's empty: "", 0, false, null and empty collections all take the default.
  for (Json empty : {Json(""), Json(0), Json(false), Json(nullptr), Json::array(), Json::object()}) {
    EXPECT_EQ(render(R"({{ .Values.x | default 7 }})", Json{{"x", empty}}), "7") << empty.dump();
  }
  EXPECT_EQ(render(R"({{ default "v" .Values.x }})", Json{{"x", "w"}}), "w");
  EXPECT_EQ(render(R"({{ .Values.a | default .Values.b | default "c" }})", Json{{"b", "bee"}}), "bee");
  EXPECT_EQ(render(R"({{ .Values.a | default .Values.b | default "c" }})"), "c");
  EXPECT_EQ(render("{{ .Values.a | default 1.5 }} {{ .Values.a | default -2 }} {{ .Values.a | default true }}"),
            "1.5 -2 true");
}

TEST(TemplateRenderer, QuoteUsesGoEscapes) {
  EXPECT_EQ(render(R"({{ .Values.s | quote }})", Json{{"s", "a \"b\"\\\n"}}), R"("a \"b\"\\\n")");
  EXPECT_EQ(render(R"({{ .Values.n | quote }})", Json{{"n", 2}}), R"("2")");
  EXPECT_EQ(render(R"({{ .Values.missing | quote }})"), "");
  EXPECT_EQ(render(R"({{ .Values.missing | default "x" | quote }})"), R"("x")");
  EXPECT_EQ(render(R"({{ quote "a" "b" }})"), R"("a" "b")");
}

TEST(TemplateRenderer, IfElseEndWithTrimming) {
  const char* source =
      "a: 1\n"
      "{{- if .Values.env }}\n"
      "env: {{ .Values.env }}\n"
      "{{- else }}\n"
      "env: none\n"
      "{{- end }}\n"
      "b: 2\n";
  EXPECT_EQ(render(source, Json{{"env", "x"}}), "a: 1\nenv: x\nb: 2\n");
  EXPECT_EQ(render(source), "a: 1\nenv: none\nb: 2\n");
  EXPECT_EQ(render("{{ if .Values.a }}{{ if .Values.b }}ab{{ end }}a{{ end }}.", Json{{"a", 1}, {"b", 1}}), "aba.");
  EXPECT_EQ(render("{{ if .Values.a }}{{ if .Values.b }}ab{{ end }}a{{ end }}.", Json{{"a", 1}}), "a.");
  EXPECT_EQ(render("x  {{- /* gone */ -}}  y"), "xy");
  EXPECT_EQ(render("x {{-3}}"), "x -3");  // no space after the dash: the number -3, nothing trimmed
}

TEST(TemplateRenderer, ErrorsNameTheTemplateAndLine) {
  Error e = render_error("a: 1\nb: {{ .Values.x | toYaml }}\n");
  EXPECT_EQ(e.field, "Vendor/Model:2");
  EXPECT_NE(e.message.find("unknown function \"toYaml\""), std::string::npos) << e.message;
  e = render_error("a\nb\nc: {{ .Values.x \n");
  EXPECT_EQ(e.field, "Vendor/Model:3");
  EXPECT_NE(e.message.find("unterminated action"), std::string::npos);
  e = render_error("{{ if .Values.x }}\nnever closed\n");
  EXPECT_EQ(e.field, "Vendor/Model:1");
  EXPECT_NE(e.message.find("not closed"), std::string::npos);
  EXPECT_NE(render_error("x\n{{ end }}").message.find("without"), std::string::npos);
  EXPECT_NE(render_error("{{ else }}").message.find("outside"), std::string::npos);
  EXPECT_NE(render_error("{{ range .Values.x }}{{ end }}").message.find("not supported"), std::string::npos);
  EXPECT_NE(render_error("{{ default (.Values.x) 1 }}").message.find("parentheses"), std::string::npos);
  EXPECT_NE(render_error("{{ $x := 1 }}").message.find("variables"), std::string::npos);
  EXPECT_NE(render_error(R"({{ "open }})").message.find("unterminated string"), std::string::npos);
  EXPECT_NE(render_error("{{ .Values.x .Values.y }}").message.find("no arguments"), std::string::npos);
  EXPECT_NE(render_error("{{ .Values.x | }}").message.find("missing command"), std::string::npos);
  EXPECT_NE(render_error("{{ }}").message.find("empty action"), std::string::npos);
  EXPECT_NE(render_error("{{ if .Values.a }}{{ else if .Values.b }}{{ end }}").message.find("else if"),
            std::string::npos);
  EXPECT_NE(render_error("{{ /* open }}").message.find("comment"), std::string::npos);
}

}  // namespace
}  // namespace kthena::ctl
