#include "kube/kubeconfig.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "api/codec/yaml_decoder.h"
#include "api/codec/yaml_encoder.h"
#include "common/base64.h"

namespace kthena::kube {
namespace {

Result<std::string> read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, "cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string string_at(const Json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The entry `name` of a named list (clusters, users, contexts), or null.
const Json* find_named(const Json& doc, const char* list, std::string_view name) {
  auto it = doc.find(list);
  if (it == doc.end() || !it->is_array()) return nullptr;
  for (const auto& entry : *it) {
    if (entry.is_object() && string_at(entry, "name") == name) return &entry;
  }
  return nullptr;
}

// Inline data wins over a file, as in client-go.
Result<std::string> data_or_file(const Json& section, const char* data_key, const char* file_key,
                                 const std::filesystem::path& base_dir, std::string_view what) {
  if (auto data = string_at(section, data_key); !data.empty()) {
    auto decoded = base64_decode(data);
    if (!decoded)
      return fail(ErrorCode::kInvalid, fmt::format("{}: {}", data_key, decoded.error().message), std::string(what));
    return decoded;
  }
  if (auto file = string_at(section, file_key); !file.empty()) {
    std::filesystem::path path(file);
    if (path.is_relative()) path = base_dir / path;
    return read_text(path);
  }
  return std::string();
}

std::string join_host_port(const std::string& host, const std::string& port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + port;
  return host + ":" + port;
}

}  // namespace

Result<Kubeconfig> parse_kubeconfig(std::string_view text, std::string_view source,
                                    const std::filesystem::path& base_dir) {
  auto doc = api::decode_document(text, source);
  if (!doc) return fail(doc.error());
  if (doc->is_null()) *doc = Json::object();
  if (!doc->is_object()) return fail(ErrorCode::kInvalid, "a kubeconfig must be a mapping", std::string(source));
  return Kubeconfig{std::move(*doc), base_dir};
}

Kubeconfig merge_kubeconfigs(const std::vector<Kubeconfig>& configs) {
  Kubeconfig merged{Json::object(), configs.empty() ? std::filesystem::path() : configs.front().base_dir};
  for (const char* list : {"clusters", "users", "contexts"}) merged.document[list] = Json::array();
  for (const auto& config : configs) {
    for (const char* list : {"clusters", "users", "contexts"}) {
      auto it = config.document.find(list);
      if (it == config.document.end() || !it->is_array()) continue;
      for (auto entry : *it) {
        std::string name = string_at(entry, "name");
        if (find_named(merged.document, list, name) != nullptr) continue;
        // Relative paths stay relative to the file that named them.
        for (const char* section : {"cluster", "user"}) {
          if (!entry.contains(section) || !entry[section].is_object()) continue;
          for (const char* key : {"certificate-authority", "client-certificate", "client-key", "tokenFile"}) {
            auto path = string_at(entry[section], key);
            if (!path.empty() && std::filesystem::path(path).is_relative()) {
              entry[section][key] = (config.base_dir / path).string();
            }
          }
        }
        merged.document[list].push_back(std::move(entry));
      }
    }
    if (string_at(merged.document, "current-context").empty()) {
      if (auto current = string_at(config.document, "current-context"); !current.empty()) {
        merged.document["current-context"] = current;
      }
    }
  }
  return merged;
}

Result<RestConfig> resolve_kubeconfig(const Kubeconfig& config, std::string_view context_name) {
  const Json& doc = config.document;
  std::string name = context_name.empty() ? string_at(doc, "current-context") : std::string(context_name);
  if (name.empty()) return fail(ErrorCode::kInvalid, "the kubeconfig has no current-context", "current-context");
  const Json* context_entry = find_named(doc, "contexts", name);
  if (context_entry == nullptr) return fail(ErrorCode::kNotFound, fmt::format("context \"{}\" not found", name));
  const Json empty = Json::object();
  const Json& context = context_entry->contains("context") ? (*context_entry)["context"] : empty;

  std::string cluster_name = string_at(context, "cluster");
  const Json* cluster_entry = find_named(doc, "clusters", cluster_name);
  if (cluster_entry == nullptr) {
    return fail(ErrorCode::kNotFound, fmt::format("cluster \"{}\" of context \"{}\" not found", cluster_name, name));
  }
  const Json& cluster = cluster_entry->contains("cluster") ? (*cluster_entry)["cluster"] : empty;

  RestConfig out;
  out.server = string_at(cluster, "server");
  if (out.server.empty()) {
    return fail(ErrorCode::kInvalid, fmt::format("cluster \"{}\" has no server", cluster_name), "server");
  }
  while (!out.server.empty() && out.server.back() == '/') out.server.pop_back();
  out.tls_server_name = string_at(cluster, "tls-server-name");
  if (auto it = cluster.find("insecure-skip-tls-verify"); it != cluster.end() && it->is_boolean()) {
    out.insecure_skip_tls_verify = it->get<bool>();
  }
  auto ca = data_or_file(cluster, "certificate-authority-data", "certificate-authority", config.base_dir,
                         "cluster " + cluster_name);
  if (!ca) return fail(ca.error());
  out.ca_pem = std::move(*ca);
  if (auto ns = string_at(context, "namespace"); !ns.empty()) out.ns = ns;

  std::string user_name = string_at(context, "user");
  if (!user_name.empty()) {
    const Json* user_entry = find_named(doc, "users", user_name);
    if (user_entry == nullptr) {
      return fail(ErrorCode::kNotFound, fmt::format("user \"{}\" of context \"{}\" not found", user_name, name));
    }
    const Json& user = user_entry->contains("user") ? (*user_entry)["user"] : empty;
    for (const char* unsupported : {"exec", "auth-provider", "username", "password"}) {
      if (user.is_object() && user.contains(unsupported)) {
        return fail(ErrorCode::kInvalid,
                    fmt::format("user \"{}\": \"{}\" authentication is not supported; use a token or a client "
                                "certificate",
                                user_name, unsupported));
      }
    }
    out.bearer_token = string_at(user, "token");
    if (auto file = string_at(user, "tokenFile"); !file.empty()) {
      std::filesystem::path path(file);
      out.bearer_token_file = (path.is_relative() ? config.base_dir / path : path).string();
    }
    auto cert =
        data_or_file(user, "client-certificate-data", "client-certificate", config.base_dir, "user " + user_name);
    if (!cert) return fail(cert.error());
    auto key = data_or_file(user, "client-key-data", "client-key", config.base_dir, "user " + user_name);
    if (!key) return fail(key.error());
    out.client_cert_pem = std::move(*cert);
    out.client_key_pem = std::move(*key);
    if (out.client_cert_pem.empty() != out.client_key_pem.empty()) {
      return fail(ErrorCode::kInvalid,
                  fmt::format("user \"{}\" has a client certificate without its key, or a key without its "
                              "certificate",
                              user_name));
    }
  }
  return out;
}

Result<RestConfig> load_kubeconfig_file(const std::filesystem::path& path, std::string_view context) {
  auto text = read_text(path);
  if (!text) return fail(text.error());
  auto config = parse_kubeconfig(*text, path.string(), path.parent_path());
  if (!config) return fail(config.error());
  return resolve_kubeconfig(*config, context);
}

Result<RestConfig> in_cluster_config(const std::filesystem::path& secrets_dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || port == nullptr || *host == '\0' || *port == '\0') {
    return fail(ErrorCode::kNotFound,
                "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set");
  }
  RestConfig out;
  out.server = "https://" + join_host_port(host, port);
  auto token_path = secrets_dir / "token";
  auto token = read_text(token_path);
  if (!token) return fail(token.error());
  out.bearer_token_file = token_path.string();
  out.bearer_token = *token;
  auto ca = read_text(secrets_dir / "ca.crt");
  if (!ca) return fail(ca.error());
  out.ca_pem = std::move(*ca);
  if (auto ns = read_text(secrets_dir / "namespace"); ns && !ns->empty()) out.ns = *ns;
  return out;
}

Result<RestConfig> default_config(std::string_view context) {
  std::vector<std::filesystem::path> files;
  if (const char* env = std::getenv("KUBECONFIG"); env != nullptr && *env != '\0') {
    std::string_view list(env);
    size_t start = 0;
    while (start <= list.size()) {
      size_t end = list.find(':', start);
      auto part = list.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
      if (!part.empty() && std::filesystem::exists(part)) files.emplace_back(part);
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
  } else if (const char* home = std::getenv("HOME"); home != nullptr) {
    auto path = std::filesystem::path(home) / ".kube" / "config";
    if (std::filesystem::exists(path)) files.push_back(path);
  }
  if (files.empty()) {
    auto in_cluster = in_cluster_config();
    if (in_cluster) return in_cluster;
    return fail(ErrorCode::kNotFound, "no kubeconfig ($KUBECONFIG, ~/.kube/config) and not running in a cluster");
  }
  std::vector<Kubeconfig> configs;
  for (const auto& file : files) {
    auto text = read_text(file);
    if (!text) return fail(text.error());
    auto config = parse_kubeconfig(*text, file.string(), file.parent_path());
    if (!config) return fail(config.error());
    configs.push_back(std::move(*config));
  }
  return resolve_kubeconfig(merge_kubeconfigs(configs), context);
}

std::string render_kubeconfig(std::string_view name, std::string_view server, std::string_view ca_pem,
                              std::string_view token) {
  Json cluster = {{"server", server}};
  if (!ca_pem.empty()) cluster["certificate-authority-data"] = base64_encode(ca_pem);
  Json doc = {
      {"apiVersion", "v1"},
      {"kind", "Config"},
      {"clusters", Json::array({{{"name", name}, {"cluster", cluster}}})},
      {"users", Json::array({{{"name", name}, {"user", {{"token", token}}}}})},
      {"contexts",
       Json::array({{{"name", name}, {"context", {{"cluster", name}, {"user", name}, {"namespace", "default"}}}}})},
      {"current-context", name},
      {"preferences", Json::object()},
  };
  return api::encode_yaml(doc);
}

}  // namespace kthena::kube
