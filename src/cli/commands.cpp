#include "cli/command.h"

namespace kthena::cli {

const CommandEntry kCommands[] = {
    {"up", &add_up_command},
    {"get", &add_get_command},
    {"describe", &add_describe_command},
    {"create", &add_create_command},
    {"apply", &add_apply_command},
    {"delete", &add_delete_command},
    {"wait", &add_wait_command},
    {"logs", &add_logs_command},
    {"status", &add_status_command},
    {"version", &add_version_command},
    {"apiserver", &add_apiserver_command},
    {"router", &add_router_command},
    {"crds", &add_crds_command},
    {"validate", &add_validate_command},
    {"convert", &add_convert_command},
    {"engine-sim", &add_engine_sim_command},
    {"controller-manager", &add_controller_manager_command},
    {"downloader", &add_downloader_command},
    {"runtime", &add_runtime_command},
    {"node", &add_node_command},
};
const size_t kCommandCount = sizeof(kCommands) / sizeof(kCommands[0]);

}  // namespace kthena::cli
