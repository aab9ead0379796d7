#include "sim/fleet.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace kthena::sim {

Result<std::unique_ptr<Fleet>> Fleet::start(const EngineArgs& args, const std::vector<std::string>& argv) {
  std::vector<EngineConfig> configs;
  if (!args.fleet.fleet_file.empty()) {
    std::ifstream in(args.fleet.fleet_file);
    if (!in) return fail(ErrorCode::kIo, "cannot read the fleet file", args.fleet.fleet_file);
    std::stringstream text;
    text << in.rdbuf();
    auto j = nlohmann::ordered_json::parse(text.str(), nullptr, false);
    if (j.is_discarded() || !j.is_array()) {
      return fail(ErrorCode::kInvalid, "expected a JSON list of {\"args\": [...]}", args.fleet.fleet_file);
    }
    for (size_t i = 0; i < j.size(); ++i) {
      std::string where = args.fleet.fleet_file + "[" + std::to_string(i) + "].args";
      if (!j[i].is_object() || !j[i].contains("args") || !j[i]["args"].is_array()) {
        return fail(ErrorCode::kInvalid, "expected a list of strings", where);
      }
      std::vector<std::string> combined;
      for (const std::string& a : argv) {
        if (a != "--fleet" && a != args.fleet.fleet_file) combined.push_back(a);
      }
      for (const auto& a : j[i]["args"]) {
        if (!a.is_string()) return fail(ErrorCode::kInvalid, "expected a list of strings", where);
        combined.push_back(a.get<std::string>());
      }
      auto parsed = parse_engine_args(combined);
      if (!parsed) {
        Error e = parsed.error();
        e.field = where + ": " + e.field;
        return tl::unexpected(e);
      }
      configs.push_back(parsed->engine);
    }
  } else {
    for (uint32_t i = 0; i < args.fleet.instances; ++i) {
      EngineConfig c = args.engine;
      if (!args.fleet.base_address.empty()) {
        auto address = offset_address(args.fleet.base_address, i);
        if (!address) return tl::unexpected(address.error());
        c.host = *address;
      }
      if (args.fleet.base_port != 0) {
        if (args.fleet.base_port + i > 65535) return fail(ErrorCode::kInvalid, "port range overflows", "--base-port");
        c.port = static_cast<uint16_t>(args.fleet.base_port + i);
      }
      configs.push_back(std::move(c));
    }
  }
  std::unique_ptr<Fleet> fleet(new Fleet());
  fleet->pool_ = std::make_unique<http::ReactorPool>(args.fleet.threads);
  fleet->registry_ = std::make_unique<KvTransferRegistry>();
  fleet->pool_->start();
  for (size_t i = 0; i < configs.size(); ++i) {
    auto server = EngineServer::start(*fleet->pool_, i % fleet->pool_->size(), configs[i], static_cast<uint32_t>(i),
                                      *fleet->registry_);
    if (!server) {
      fleet->shutdown(std::chrono::milliseconds(0));
      return tl::unexpected(server.error());
    }
    fleet->servers_.push_back(std::move(*server));
  }
  return fleet;
}

Fleet::~Fleet() {
  shutdown(std::chrono::milliseconds(0));
}

std::vector<EngineServer*> Fleet::engines() {
  std::vector<EngineServer*> out;
  for (auto& s : servers_) out.push_back(s.get());
  return out;
}

void Fleet::shutdown(std::chrono::milliseconds grace) {
  for (auto& s : servers_) s->shutdown(grace);
  if (pool_) pool_->stop();
  servers_.clear();
}

}  // namespace kthena::sim
