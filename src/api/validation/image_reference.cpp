#include "api/validation/image_reference.h"

namespace kthena::api::validation {
namespace {

// One UTF-8 code point at `s[i]`, advancing `i`; an invalid byte reads as U+FFFD, as in Go's range loop.
char32_t next_code_point(std::string_view s, size_t& i) {
  auto b = static_cast<unsigned char>(s[i]);
  int len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + static_cast<size_t>(len) > s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = len == 1 ? b : b & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    auto c = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
    if ((c >> 6) != 0x2) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  i += static_cast<size_t>(len);
  return cp;
}

// Go's unicode.IsSpace.
bool is_space(char32_t c) {
  switch (c) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

struct Spaces {
  bool all = true;
  bool any = false;
};

Spaces scan(std::string_view image) {
  Spaces s;
  for (size_t i = 0; i < image.size();) {
    bool space = is_space(next_code_point(image, i));
    s.all = s.all && space;
    s.any = s.any || space;
  }
  return s;
}

}  // namespace

std::optional<std::string> booster_image_problem(std::string_view image) {
  if (image.empty()) return std::nullopt;
  Spaces s = scan(image);
  if (s.all) return "image cannot be empty or whitespace only";
  if (s.any) return "image cannot contain whitespace";
  return std::nullopt;
}

std::optional<std::string> serving_image_problem(std::string_view image) {
  if (image.empty()) return std::nullopt;
  if (scan(image).all) return "image cannot be empty or whitespace only";
  if (image.find(' ') != std::string_view::npos) return "image cannot contain spaces";
  return std::nullopt;
}

}  // namespace kthena::api::validation
