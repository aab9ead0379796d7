#include "router/request/body_editor.h"

#include "common/json_string.h"

namespace kthena::router {

const BodyEditor::Edit* BodyEditor::find(std::string_view key) const {
  for (const Edit& e : edits_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

void BodyEditor::set(std::string_view key, std::string raw_value) {
  std::string member;
  member.reserve(key.size() + raw_value.size() + 3);
  append_json_string(member, key);
  member.push_back(':');
  member += raw_value;
  for (Edit& e : edits_) {
    if (e.key == key) {
      e.erase = false;
      e.member = std::move(member);
      return;
    }
  }
  edits_.push_back({std::string(key), false, std::move(member)});
}

void BodyEditor::erase(std::string_view key) {
  for (Edit& e : edits_) {
    if (e.key == key) {
      e.erase = true;
      e.member.clear();
      return;
    }
  }
  edits_.push_back({std::string(key), true, {}});
}

void BodyEditor::pieces(std::vector<std::string_view>& out) const {
  out.clear();
  if (edits_.empty()) {
    out.push_back(body_);
    return;
  }
  out.push_back("{");
  bool first = true;
  auto emit = [&](std::string_view piece) {
    if (!first) out.push_back(",");
    first = false;
    out.push_back(piece);
  };
  const auto& members = *members_;
  for (size_t i = 0; i < members.size(); ++i) {
    const BodyMember& m = members[i];
    const Edit* edit = find(m.key);
    if (edit == nullptr) {
      emit(body_.substr(m.whole.begin, m.whole.size()));
      continue;
    }
    if (edit->erase) continue;
    bool last_of_key = true;
    for (size_t j = i + 1; j < members.size(); ++j) {
      if (members[j].key == m.key) {
        last_of_key = false;
        break;
      }
    }
    if (last_of_key) emit(edit->member);
  }
  for (const Edit& e : edits_) {
    if (e.erase) continue;
    bool present = false;
    for (const BodyMember& m : members) present = present || m.key == e.key;
    if (!present) emit(e.member);
  }
  out.push_back("}");
}

size_t BodyEditor::size() const {
  std::vector<std::string_view> parts;
  pieces(parts);
  size_t n = 0;
  for (std::string_view p : parts) n += p.size();
  return n;
}

std::string BodyEditor::str() const {
  std::vector<std::string_view> parts;
  pieces(parts);
  std::string out;
  size_t n = 0;
  for (std::string_view p : parts) n += p.size();
  out.reserve(n);
  for (std::string_view p : parts) out.append(p);
  return out;
}

}  // namespace kthena::router
