#include "api/validation/engine_port.h"

#include <charconv>

#include <fmt/format.h>

#include "api/field_error.h"
#include "api/validation/go_json.h"
#include "api/validation/json_view.h"

namespace kthena::api {

using validation::member;
using validation::string_or;

tl::expected<int32_t, EnginePortError> engine_port(const Json& backend) {
  const Json* workers = member(backend, "workers");
  if (workers == nullptr || !workers->is_array()) return kDefaultEnginePort;
  int32_t engine = 0;
  for (size_t i = 0; i < workers->size(); ++i) {
    const Json& worker = (*workers)[i];
    std::string type = string_or(member(worker, "type"));
    if (type != "server" && type != "prefill" && type != "decode") continue;
    int32_t port = kDefaultEnginePort;
    if (const Json* config = member(worker, "config")) {
      auto object = validation::go_as_object(*config);
      if (!object) {
        return tl::unexpected(EnginePortError{
            i, nullptr, fmt::format("failed to get port for worker {}: {}", type, object.error().message)});
      }
      auto it = object->find("port");
      if (it != object->end()) {
        std::string text = validation::go_sprint(*it);
        // strconv.ParseInt(text, 10, 32): an optional sign, then decimal digits, within int32.
        int64_t parsed = 0;
        const char* begin = text.data() + (!text.empty() && text[0] == '+' ? 1 : 0);
        auto [ptr, ec] = std::from_chars(begin, text.data() + text.size(), parsed);
        bool ok = !text.empty() && ec == std::errc() && ptr == text.data() + text.size() && begin != ptr &&
                  parsed >= 1 && parsed <= 65535;
        if (!ok) {
          return tl::unexpected(
              EnginePortError{i, *it, fmt::format("invalid port {} for worker {}", go_quote(text), type)});
        }
        port = static_cast<int32_t>(parsed);
      }
    }
    if (engine != 0 && engine != port) {
      return tl::unexpected(
          EnginePortError{i, port, fmt::format("workers use different engine ports: {} and {}", engine, port)});
    }
    engine = port;
  }
  return engine == 0 ? kDefaultEnginePort : engine;
}

}  // namespace kthena::api
