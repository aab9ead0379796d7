// Splices an upstream request body out of the client's: members are copied verbatim (numbers, escapes and key
// order survive), except those replaced or erased; new members are appended. Upstream re-serialises the whole
// map instead, which costs a full encode of a 220 KB prompt per request and changes the client's bytes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "router/request/request_body.h"

namespace kthena::router {

class BodyEditor {
 public:
  // `body` must outlive the editor's output; `parsed` is the RequestParser result for it.
  BodyEditor(std::string_view body, const RequestBody& parsed) : body_(body), members_(&parsed.members) {}

  // Sets top-level `key` to the JSON text `raw_value`: in place of the last member of that name (earlier duplicates
  // are dropped), or appended. A later set() or erase() of the same key wins.
  void set(std::string_view key, std::string raw_value);
  void erase(std::string_view key);
  bool touched() const { return !edits_.empty(); }

  // The pieces of the edited body, in order; valid while this editor and the body live.
  void pieces(std::vector<std::string_view>& out) const;
  size_t size() const;
  std::string str() const;

 private:
  struct Edit {
    std::string key;
    bool erase = false;
    std::string member;  // `"key":value`
  };
  const Edit* find(std::string_view key) const;

  std::string_view body_;
  const std::vector<BodyMember>* members_;
  std::vector<Edit> edits_;
};

}  // namespace kthena::router
