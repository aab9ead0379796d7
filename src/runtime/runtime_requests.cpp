#include "runtime/runtime_requests.h"

#include "api/codec/json_decoder.h"

namespace kthena::runtime {
namespace {

Result<Json> parse_object(std::string_view body) {
  auto json = api::decode_json(body, "body");
  if (!json) return tl::unexpected(json.error());
  if (!json->is_object()) return fail(ErrorCode::kBadRequest, "expected a JSON object", "body");
  return json;
}

Result<std::string> required_string(const Json& object, const char* field) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return fail(ErrorCode::kBadRequest, "required", field);
  if (!it->is_string()) return fail(ErrorCode::kBadRequest, "expected a string", field);
  std::string value = it->get<std::string>();
  if (value.empty()) return fail(ErrorCode::kBadRequest, "must not be empty", field);
  return value;
}

Result<DownloadRequest> download_fields(const Json& object) {
  DownloadRequest request;
  auto source = required_string(object, "source");
  if (!source) return tl::unexpected(source.error());
  auto output_dir = required_string(object, "output_dir");
  if (!output_dir) return tl::unexpected(output_dir.error());
  request.options.source = std::move(*source);
  request.options.output_dir = std::move(*output_dir);
  if (auto it = object.find("config"); it != object.end() && !it->is_null()) {
    if (!it->is_object()) return fail(ErrorCode::kBadRequest, "expected an object", "config");
    request.options.config = *it;
  }
  if (auto it = object.find("max_workers"); it != object.end() && !it->is_null()) {
    if (!it->is_number_integer() || *it < 1 || *it > kMaxWorkers) {
      return fail(ErrorCode::kBadRequest, "expected an integer from 1 to " + std::to_string(kMaxWorkers),
                  "max_workers");
    }
    request.options.max_workers = it->get<int>();
  }
  if (auto it = object.find("async_download"); it != object.end() && !it->is_null()) {
    if (!it->is_boolean()) return fail(ErrorCode::kBadRequest, "expected true or false", "async_download");
    request.async_download = it->get<bool>();
  }
  return request;
}

}  // namespace

Result<DownloadRequest> parse_download_request(std::string_view body) {
  auto object = parse_object(body);
  if (!object) return tl::unexpected(object.error());
  return download_fields(*object);
}

Result<LoraLoadRequest> parse_lora_load_request(std::string_view body) {
  auto object = parse_object(body);
  if (!object) return tl::unexpected(object.error());
  LoraLoadRequest request;
  auto name = required_string(*object, "lora_name");
  if (!name) return tl::unexpected(name.error());
  request.lora_name = std::move(*name);
  auto download = download_fields(*object);
  if (!download) return tl::unexpected(download.error());
  request.download = std::move(*download);
  return request;
}

}  // namespace kthena::runtime
