#include "downloader/web_client.h"

#include <algorithm>
#include <exception>
#include <limits>
#include <optional>
#include <variant>

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url.hpp>

namespace kthena::downloader {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
namespace urls = boost::urls;
using tcp = net::ip::tcp;

struct Target {
  urls::url url;
  bool tls = false;
  std::string host;
  std::string port;
  std::string path;  // path and query, as sent on the request line
};

Result<Target> parse_target(std::string_view text) {
  auto parsed = urls::parse_uri(text);
  if (!parsed) return fail(ErrorCode::kInvalid, "is not a URL", std::string(text));
  Target t;
  t.url = *parsed;
  std::string_view scheme = t.url.scheme();
  if (scheme != "http" && scheme != "https") {
    return fail(ErrorCode::kInvalid, "only http:// and https:// URLs are supported", std::string(text));
  }
  t.tls = scheme == "https";
  t.host = t.url.host_address();
  if (t.host.empty()) return fail(ErrorCode::kInvalid, "names no host", std::string(text));
  t.port = t.url.has_port() ? std::string(t.url.port()) : (t.tls ? "443" : "80");
  t.path = t.url.encoded_target();
  if (t.path.empty() || t.path.front() != '/') t.path.insert(0, "/");
  return t;
}

std::string one_line(std::string text, size_t limit) {
  if (text.size() > limit) text = text.substr(0, limit) + "...";
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return text;
}

Error status_error(const std::string& url, unsigned status, const std::string& message) {
  ErrorCode code = status == 401   ? ErrorCode::kUnauthorized
                   : status == 403 ? ErrorCode::kForbidden
                   : status == 404 ? ErrorCode::kNotFound
                   : status == 429 ? ErrorCode::kTooManyRequests
                   : status >= 500 ? ErrorCode::kUnavailable
                                   : ErrorCode::kBadRequest;
  std::string text = fmt::format("HTTP {}", status);
  if (!message.empty()) text += ": " + one_line(message, 200);
  return Error{code, url, text};
}

// The outcome of one request: done, or where the server redirects to.
using Hop = std::variant<std::monostate, std::string>;

template <class Stream>
net::awaitable<Result<Hop>> exchange(Stream& stream, beast::tcp_stream& tcp, const Target& t, const Headers& headers,
                                     const BodySink& sink, const WebClientOptions& options, const std::string& url) {
  beast::error_code ec;
  auto token = net::redirect_error(net::use_awaitable, ec);
  auto transfer_error = [&](const char* what) {
    return Error{ErrorCode::kUnavailable, url, fmt::format("{} failed: {}", what, ec.message())};
  };

  http::request<http::empty_body> request{http::verb::get, t.path, 11};
  request.set(http::field::host, t.url.has_port() ? t.host + ":" + t.port : t.host);
  request.set(http::field::user_agent, "kthena-downloader");
  request.set(http::field::connection, "close");
  for (const auto& [name, value] : headers) request.set(name, value);
  tcp.expires_after(options.read_timeout);
  co_await http::async_write(stream, request, token);
  if (ec) co_return fail(transfer_error("sending the request"));

  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  co_await http::async_read_header(stream, buffer, parser, token);
  if (ec) co_return fail(transfer_error("reading the response"));
  unsigned status = parser.get().result_int();
  if (status >= 300 && status < 400 && status != 304) {
    auto location = parser.get()[http::field::location];
    if (location.empty()) co_return fail(status_error(url, status, "a redirect without a Location"));
    co_return Hop{std::string(location)};
  }

  bool ok = status >= 200 && status < 300;
  std::string message;  // the start of an error body, or an X-Error-Message header (Hugging Face's)
  if (!ok) message = std::string(parser.get()["X-Error-Message"]);
  const bool quote_body = message.empty();
  char chunk[64 * 1024];
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof(chunk);
    tcp.expires_after(options.read_timeout);
    co_await http::async_read(stream, buffer, parser, token);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return fail(transfer_error("reading the body"));
    size_t n = sizeof(chunk) - parser.get().body().size;
    if (ok) {
      if (auto r = sink(chunk, n); !r) co_return fail(r.error());
    } else if (!quote_body || message.size() >= 512) {
      break;  // enough to quote
    } else {
      message.append(chunk, n);
    }
  }
  if (!ok) co_return fail(status_error(url, status, message));
  co_return Hop{};
}

}  // namespace

struct WebClient::Tls {
  ssl::context context{ssl::context::tls_client};
};

WebClient::WebClient(WebClientOptions options) : options_(options), tls_(std::make_unique<Tls>()) {
  tls_->context.set_default_verify_paths();
  tls_->context.set_verify_mode(ssl::verify_peer);
}

WebClient::~WebClient() = default;

Result<void> WebClient::get(const std::string& start_url, const Headers& start_headers, const BodySink& sink) const {
  std::string url = start_url;
  Headers headers = start_headers;
  for (int hop = 0; hop <= options_.max_redirects; ++hop) {
    auto target = parse_target(url);
    if (!target) return fail(target.error());

    net::io_context io;
    std::optional<Result<Hop>> outcome;
    auto run = [&]() -> net::awaitable<void> {
      beast::error_code ec;
      auto token = net::redirect_error(net::use_awaitable, ec);
      auto unreachable = [&](const char* what) {
        return Error{ErrorCode::kUnavailable, url,
                     fmt::format("cannot reach {}:{}: {} failed: {}", target->host, target->port, what, ec.message())};
      };
      tcp::resolver resolver(io);
      auto endpoints = co_await resolver.async_resolve(target->host, target->port, token);
      if (ec) {
        outcome = fail(unreachable("name resolution"));
        co_return;
      }
      beast::tcp_stream tcp(io);
      tcp.expires_after(options_.connect_timeout);
      co_await tcp.async_connect(endpoints, token);
      if (ec) {
        outcome = fail(unreachable("connect"));
        co_return;
      }
      if (!target->tls) {
        outcome = co_await exchange(tcp, tcp, *target, headers, sink, options_, url);
        co_return;
      }
      beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), tls_->context);
      // SNI and the name the certificate must carry.
      if (!SSL_set_tlsext_host_name(stream.native_handle(), target->host.c_str())) {
        outcome = fail(ErrorCode::kUnavailable, "cannot set the TLS server name", url);
        co_return;
      }
      stream.set_verify_callback(ssl::host_name_verification(target->host));
      beast::get_lowest_layer(stream).expires_after(options_.connect_timeout);
      co_await stream.async_handshake(ssl::stream_base::client, token);
      if (ec) {
        outcome = fail(unreachable("TLS handshake"));
        co_return;
      }
      outcome = co_await exchange(stream, beast::get_lowest_layer(stream), *target, headers, sink, options_, url);
    };
    std::exception_ptr failure;
    net::co_spawn(io, run(), [&failure](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure) {
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& e) {
        return fail(ErrorCode::kInternal, e.what(), url);
      }
    }
    if (!outcome) return fail(ErrorCode::kInternal, "the request ended without an outcome", url);
    if (!*outcome) return fail(outcome->error());
    const Hop& next = **outcome;
    if (std::holds_alternative<std::monostate>(next)) return {};

    // A relative Location is resolved against the URL that answered.
    auto reference = urls::parse_uri_reference(std::get<std::string>(next));
    if (!reference) return fail(ErrorCode::kUnavailable, "redirected to an invalid URL", url);
    urls::url resolved;
    if (!urls::resolve(target->url, *reference, resolved)) {
      return fail(ErrorCode::kUnavailable, "redirected to an invalid URL", url);
    }
    auto next_target = parse_target(resolved.buffer());
    if (!next_target) return fail(next_target.error());
    if (next_target->host != target->host || next_target->port != target->port) {
      std::erase_if(headers, [](const auto& h) { return beast::iequals(h.first, "authorization"); });
    }
    url = std::string(resolved.buffer());
  }
  return fail(ErrorCode::kUnavailable, fmt::format("more than {} redirects", options_.max_redirects), start_url);
}

Result<std::string> WebClient::get_string(const std::string& url, const Headers& headers, size_t limit) const {
  std::string body;
  auto ok = get(url, headers, [&](const char* data, size_t size) -> Result<void> {
    if (body.size() + size > limit) return fail(ErrorCode::kTooLarge, "the response is too large", url);
    body.append(data, size);
    return {};
  });
  if (!ok) return fail(ok.error());
  return body;
}

std::string url_escape(std::string_view text, bool keep_slash) {
  std::string out;
  for (unsigned char c : text) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~' || (keep_slash && c == '/');
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

}  // namespace kthena::downloader
