#include "sim/tokenizer.h"

namespace kthena::sim {
namespace {

constexpr size_t kMaxWord = 5;
constexpr std::string_view kImStartText = "<|im_start|>";
constexpr std::string_view kImEndText = "<|im_end|>";

bool is_letter(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// 'a'..'z' -> 1..26, 'A'..'Z' -> 27..52; 0 means "no letter".
uint32_t letter_digit(unsigned char c) {
  return c >= 'a' ? c - 'a' + 1 : c - 'A' + 27;
}
char digit_letter(uint32_t d) {
  return d <= 26 ? static_cast<char>('a' + d - 1) : static_cast<char>('A' + d - 27);
}

// Decodes one UTF-8 code point at `s[i]`; returns its length, or 0 when the bytes are not valid UTF-8.
size_t utf8_length(std::string_view s, size_t i, uint32_t& cp) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n;
  if (c < 0x80) {
    cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    unsigned char d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3F);
  }
  // Overlong forms, surrogates and out-of-range values are invalid.
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

void append_utf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

void Tokenizer::encode(std::string_view text, std::vector<TokenId>& out) {
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '<') {
      if (text.substr(i, kImStartText.size()) == kImStartText) {
        out.push_back(kImStart);
        i += kImStartText.size();
        continue;
      }
      if (text.substr(i, kImEndText.size()) == kImEndText) {
        out.push_back(kImEnd);
        i += kImEndText.size();
        continue;
      }
    }
    bool space = c == ' ' && i + 1 < text.size() && is_letter(static_cast<unsigned char>(text[i + 1]));
    size_t start = space ? i + 1 : i;
    if (start < text.size() && is_letter(static_cast<unsigned char>(text[start]))) {
      uint32_t value = 0;
      size_t n = 0;
      while (n < kMaxWord && start + n < text.size() && is_letter(static_cast<unsigned char>(text[start + n]))) {
        value = value * 53 + letter_digit(static_cast<unsigned char>(text[start + n]));
        ++n;
      }
      for (size_t k = n; k < kMaxWord; ++k) value *= 53;  // left-aligned, so shorter words never collide
      out.push_back(kWordBase + value * 2 + (space ? 1 : 0));
      i = start + n;
      continue;
    }
    uint32_t cp = 0;
    size_t n = utf8_length(text, i, cp);
    if (n == 0) {
      out.push_back(0xDC00 + c);
      i += 1;
    } else {
      out.push_back(cp);
      i += n;
    }
  }
}

std::vector<TokenId> Tokenizer::encode(std::string_view text) {
  std::vector<TokenId> out;
  out.reserve(text.size() / 3 + 1);
  encode(text, out);
  return out;
}

size_t Tokenizer::count(std::string_view text) {
  std::vector<TokenId> out;
  encode(text, out);
  return out.size();
}

bool Tokenizer::decode_one(TokenId id, std::string& out) {
  if (id == kImStart) {
    out.append(kImStartText);
  } else if (id == kImEnd) {
    out.append(kImEndText);
  } else if (id >= kWordBase) {
    uint32_t v = id - kWordBase;
    bool space = v & 1;
    v /= 2;
    char letters[kMaxWord];
    for (size_t k = kMaxWord; k-- > 0;) {
      letters[k] = static_cast<char>(v % 53);
      v /= 53;
    }
    if (v != 0 || letters[0] == 0) return false;
    if (space) out.push_back(' ');
    for (size_t k = 0; k < kMaxWord && letters[k] != 0; ++k)
      out.push_back(digit_letter(static_cast<uint32_t>(letters[k])));
  } else if (id >= 0xDC00 && id <= 0xDCFF) {
    out.push_back(static_cast<char>(id - 0xDC00));
  } else if (id >= 0xD800 && id <= 0xDFFF) {
    return false;
  } else {
    append_utf8(id, out);
  }
  return true;
}

std::string Tokenizer::decode(const std::vector<TokenId>& ids) {
  std::string out;
  for (TokenId id : ids) decode_one(id, out);
  return out;
}

}  // namespace kthena::sim
