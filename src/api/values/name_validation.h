// apimachinery's util/validation name checks, returning its messages verbatim (the strings kubectl shows after
// "Invalid value: ..."). Each returns every problem found, empty when the value is valid.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kthena::api {

using Messages = std::vector<std::string>;

Messages is_qualified_name(std::string_view value);  // label keys, annotation keys, finalizers
Messages is_valid_label_value(std::string_view value);
Messages is_dns1123_subdomain(std::string_view value);  // most object names
Messages is_dns1123_label(std::string_view value);      // namespaces, services
Messages is_dns1035_label(std::string_view value);

// ValidateNameFunc flavours: `prefix` is true for generateName, whose trailing '-' is allowed.
Messages name_is_dns_subdomain(std::string_view name, bool prefix);
Messages name_is_dns_label(std::string_view name, bool prefix);
Messages name_is_dns1035_label(std::string_view name, bool prefix);

}  // namespace kthena::api
