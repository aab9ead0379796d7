// Writing answers: JSON bodies, Status failures, and the Warning headers kubectl prints.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/json.h"
#include "apiserver/api_status.h"
#include "http/asio.h"
#include "http/exchange.h"

namespace kthena::apiserver {

// Reactor thread of `exchange` only, like every Exchange call.
// Arguments are taken by value: a coroutine must own what it reads after suspending.
http::asio::awaitable<void> respond_json(http::Exchange& exchange, int status, std::string body,
                                         std::vector<std::string> warnings = {},
                                         std::string content_type = "application/json");
http::asio::awaitable<void> respond_status(http::Exchange& exchange, ApiStatus status);

// `299 - "text"`, with quotes and backslashes in the text escaped.
std::string warning_header(std::string_view text);

}  // namespace kthena::apiserver
