// Whether a pattern compiles as a Go regexp (RE2 syntax), with the error text Go's regexp.Compile gives, which the
// ModelRoute webhook returns verbatim: "error parsing regexp: missing closing ]: `[a-`".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kthena::api::validation {

// nullopt when `pattern` compiles; otherwise Go's error message.
std::optional<std::string> go_regexp_compile_error(std::string_view pattern);

}  // namespace kthena::api::validation
