// The one place src/http spells out its Boost.Asio setup, so every file agrees on it. Public headers use only
// asio::awaitable, asio::io_context and executors; error codes stay inside src/http.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

namespace kthena::http {
namespace asio = boost::asio;
}  // namespace kthena::http
