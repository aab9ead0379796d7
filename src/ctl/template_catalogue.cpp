#include "ctl/template_catalogue.h"

#include <algorithm>
#include <cctype>

namespace kthena::ctl {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

bool contains_nocase(std::string_view text, std::string_view word) {
  auto it = std::search(text.begin(), text.end(), word.begin(), word.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
  return it != text.end();
}

}  // namespace

std::string template_description(std::string_view content) {
  std::string_view fallback;
  bool have_fallback = false;
  size_t start = 0;
  while (start < content.size()) {
    size_t end = content.find('\n', start);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = trim(content.substr(start, end - start));
    start = end + 1;
    if (!line.starts_with('#')) continue;
    std::string_view comment = trim(line.substr(1));
    constexpr std::string_view kPrefix = "Description:";
    if (comment.starts_with(kPrefix)) return std::string(trim(comment.substr(kPrefix.size())));
    if (!have_fallback && contains_nocase(comment, "description")) {
      fallback = comment;
      have_fallback = true;
    }
  }
  if (have_fallback) return std::string(fallback);
  return "No description available";
}

const TemplateCatalogue& TemplateCatalogue::builtin() {
  static const TemplateCatalogue catalogue(embedded_manifest_templates());
  return catalogue;
}

TemplateCatalogue::TemplateCatalogue(const std::vector<EmbeddedTemplate>& templates) {
  for (const EmbeddedTemplate& t : templates) {
    templates_.push_back({std::string(t.name), template_description(t.content), std::string(t.file_path), t.content});
  }
  std::sort(templates_.begin(), templates_.end(),
            [](const TemplateInfo& a, const TemplateInfo& b) { return a.name < b.name; });
}

Result<const TemplateInfo*> TemplateCatalogue::find(std::string_view name) const {
  for (const TemplateInfo& t : templates_) {
    if (t.name == name) return &t;
  }
  std::vector<const TemplateInfo*> matches;
  if (name.find('/') == std::string_view::npos) {
    for (const TemplateInfo& t : templates_) {
      const size_t slash = t.name.rfind('/');
      if (slash != std::string::npos && std::string_view(t.name).substr(slash + 1) == name) matches.push_back(&t);
    }
  }
  if (matches.size() == 1) return matches.front();
  if (matches.size() > 1) {
    std::string candidates;
    for (const TemplateInfo* t : matches) candidates += (candidates.empty() ? "" : ", ") + t->name;
    return fail(ErrorCode::kInvalid, "template \"" + std::string(name) + "\" is ambiguous; name one of: " + candidates);
  }
  return fail(ErrorCode::kNotFound,
              "template \"" + std::string(name) + "\" not found (`kthena get templates` lists them)");
}

}  // namespace kthena::ctl
