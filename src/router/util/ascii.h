// ASCII helpers for protocol text (header names, tokens): the HTTP library's, for the router's own parsing.
#pragma once

#include "http/header.h"

namespace kthena::router {

using http::ascii_lower;
using http::iequals;

}  // namespace kthena::router
