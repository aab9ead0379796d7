#include "node/pod_volumes.h"

#include "api/json_fields.h"

#include <unistd.h>

#include <fstream>
#include <system_error>

#include <fmt/format.h>

namespace kthena::node {

using api::lenient::str;
namespace {

namespace fs = std::filesystem;

// A relative path that stays inside its folder ("a/b", not "../x" or "/etc").
bool safe_relative(const std::string& path) {
  if (path.empty() || path[0] == '/') return false;
  for (const auto& part : fs::path(path)) {
    if (part == "..") return false;
  }
  return true;
}

void own(const fs::path& path, const VolumeOptions& options) {
  if (options.owner || options.group) {
    (void)::chown(path.c_str(), options.owner ? *options.owner : static_cast<uid_t>(-1),
                  options.group ? *options.group : static_cast<gid_t>(-1));
  }
}

Result<void> make_dir(const fs::path& path, const VolumeOptions& options) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return fail(ErrorCode::kIo, fmt::format("mkdir {}: {}", path.string(), ec.message()));
  own(path, options);
  return {};
}

Result<void> write_file(const fs::path& path, const std::string& content, int mode, const VolumeOptions& options) {
  if (auto made = make_dir(path.parent_path(), options); !made) return made;
  fs::path tmp = path.parent_path() / ("." + path.filename().string() + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) return fail(ErrorCode::kIo, fmt::format("write {}: failed", path.string()));
  }
  std::error_code ec;
  fs::permissions(tmp, static_cast<fs::perms>(mode), ec);
  own(tmp, options);
  fs::rename(tmp, path, ec);
  if (ec) return fail(ErrorCode::kIo, fmt::format("rename {}: {}", path.string(), ec.message()));
  return {};
}

// The files of a configMap / secret volume (or projected source): every key, or the listed items.
Result<void> write_keys(const fs::path& dir, const Json& source, const Json& data, const VolumeOptions& options) {
  int mode = source.value("defaultMode", 0644);
  if (source.contains("items")) {
    for (const Json& item : source["items"]) {
      std::string key = str(item, "key"), path = str(item, "path");
      if (!safe_relative(path)) return fail(ErrorCode::kInvalid, fmt::format("item path {:?} is not relative", path));
      if (!data.contains(key)) {
        if (source.value("optional", false)) continue;
        return fail(ErrorCode::kNotFound, fmt::format("key {:?} not found", key));
      }
      if (auto w = write_file(dir / path, data[key].get<std::string>(), item.value("mode", mode), options); !w)
        return w;
    }
    return {};
  }
  for (const auto& [key, value] : data.items()) {
    if (!value.is_string() || !safe_relative(key)) continue;
    if (auto w = write_file(dir / key, value.get<std::string>(), mode, options); !w) return w;
  }
  return {};
}

Result<void> write_source(const fs::path& dir, const char* kind, const Json& source, const VolumeOptions& options,
                          const ObjectLookup& lookup) {
  std::string plural = std::string(kind) == "secret" ? "secrets" : "configmaps";
  std::string name = plural == "secrets" ? str(source, "secretName") : str(source, "name");
  if (name.empty()) name = str(source, "name");
  auto object = lookup(plural, name);
  if (!object) {
    if (source.value("optional", false)) return make_dir(dir, options);
    return fail(ErrorCode::kNotFound, fmt::format("{} {:?} not found", kind, name));
  }
  if (auto made = make_dir(dir, options); !made) return made;
  return write_keys(dir, source, object->value("data", Json::object()), options);
}

Result<void> write_downward(const fs::path& dir, const Json& pod, const Json& source, const VolumeOptions& options,
                            const std::string& pod_ip) {
  if (auto made = make_dir(dir, options); !made) return made;
  for (const Json& item : source.value("items", Json::array())) {
    std::string path = str(item, "path");
    if (!safe_relative(path)) return fail(ErrorCode::kInvalid, fmt::format("item path {:?} is not relative", path));
    Json env_container = {{"env", Json::array({{{"name", "V"}, {"valueFrom", Json::object()}}})}};
    if (item.contains("fieldRef")) env_container["env"][0]["valueFrom"]["fieldRef"] = item["fieldRef"];
    if (item.contains("resourceFieldRef"))
      env_container["env"][0]["valueFrom"]["resourceFieldRef"] = item["resourceFieldRef"];
    auto none = [](const std::string&, const std::string&) -> std::optional<Json> { return std::nullopt; };
    auto env = container_env(pod, env_container, pod_ip, "", none);
    if (!env) return fail(env.error());
    std::string value = env->empty() ? "" : env->front().second;
    if (auto w = write_file(dir / path, value, item.value("mode", source.value("defaultMode", 0644)), options); !w) {
      return w;
    }
  }
  return {};
}

}  // namespace

Result<std::map<std::string, fs::path>> prepare_volumes(const Json& pod, const VolumeOptions& options,
                                                        const ObjectLookup& lookup, const std::string& pod_ip) {
  std::map<std::string, fs::path> out;
  const Json& volumes = pod.value("spec", Json::object()).value("volumes", Json::array());
  std::string ns = str(pod["metadata"], "namespace");
  for (size_t i = 0; i < volumes.size(); ++i) {
    const Json& v = volumes[i];
    std::string name = str(v, "name");
    std::string where = fmt::format("volumes[{}] ({})", i, name);
    fs::path dir = options.pod_dir / "volumes" / name;
    Result<void> done;
    if (v.contains("emptyDir") || v.contains("ephemeral")) {
      done = make_dir(dir, options);
    } else if (v.contains("hostPath")) {
      fs::path path = str(v["hostPath"], "path");
      bool allowed = options.host_paths.empty();
      for (const std::string& prefix : options.host_paths) {
        allowed |= path.lexically_normal().string().starts_with(fs::path(prefix).lexically_normal().string());
      }
      if (!allowed)
        return fail(ErrorCode::kForbidden, fmt::format("{}: hostPath {} is outside the node's allowed "
                                                       "prefixes",
                                                       where, path.string()));
      if (!options.host_path_root.empty()) path = options.host_path_root / path.lexically_normal().relative_path();
      std::string type = str(v["hostPath"], "type");
      std::error_code ec;
      if (type == "DirectoryOrCreate") {
        fs::create_directories(path, ec);
      } else if ((type == "Directory" && !fs::is_directory(path, ec)) ||
                 (type == "File" && !fs::is_regular_file(path, ec))) {
        return fail(ErrorCode::kNotFound, fmt::format("{}: hostPath {} is not a {}", where, path.string(),
                                                      type == "File" ? "file" : "directory"));
      }
      dir = path;
    } else if (v.contains("persistentVolumeClaim")) {
      dir = options.claims_dir / ns / str(v["persistentVolumeClaim"], "claimName");
      done = make_dir(dir, options);
    } else if (v.contains("configMap")) {
      done = write_source(dir, "configMap", v["configMap"], options, lookup);
    } else if (v.contains("secret")) {
      done = write_source(dir, "secret", v["secret"], options, lookup);
    } else if (v.contains("downwardAPI")) {
      done = write_downward(dir, pod, v["downwardAPI"], options, pod_ip);
    } else if (v.contains("projected")) {
      done = make_dir(dir, options);
      for (const Json& s : v["projected"].value("sources", Json::array())) {
        if (!done) break;
        if (s.contains("configMap")) done = write_source(dir, "configMap", s["configMap"], options, lookup);
        if (s.contains("secret")) done = write_source(dir, "secret", s["secret"], options, lookup);
        if (s.contains("downwardAPI")) done = write_downward(dir, pod, s["downwardAPI"], options, pod_ip);
      }
    } else {
      return fail(ErrorCode::kInvalid, fmt::format("{}: this volume type is not supported by kthena node", where));
    }
    if (!done) return fail(done.error().code, fmt::format("{}: {}", where, done.error().message));
    out[name] = dir;
  }
  return out;
}

Result<std::vector<Mount>> container_mounts(const Json& container, const std::map<std::string, fs::path>& volumes) {
  std::vector<Mount> out;
  const Json& mounts = container.value("volumeMounts", Json::array());
  for (size_t i = 0; i < mounts.size(); ++i) {
    const Json& m = mounts[i];
    std::string name = str(m, "name");
    auto it = volumes.find(name);
    if (it == volumes.end()) {
      return fail(ErrorCode::kInvalid, fmt::format("volumeMounts[{}]: no volume {:?}", i, name));
    }
    fs::path source = it->second;
    std::string sub = str(m, "subPath");
    if (!sub.empty()) {
      if (!safe_relative(sub)) return fail(ErrorCode::kInvalid, fmt::format("volumeMounts[{}]: subPath {:?}", i, sub));
      source /= sub;
      std::error_code ec;
      if (!fs::exists(source, ec)) fs::create_directories(source, ec);
    }
    out.push_back({source, str(m, "mountPath"), m.value("readOnly", false)});
  }
  return out;
}

}  // namespace kthena::node
