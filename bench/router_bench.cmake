# The router's benchmarks (included from CMakeLists.txt): Google Benchmark for the scheduler and body parsing, and
# router_proxy_bench.sh for end-to-end proxying against nginx (docs/benchmarks.md, "Router").
add_executable(router_scheduler_bench router_scheduler_bench.cpp)
target_link_libraries(router_scheduler_bench PRIVATE kthena_router benchmark::benchmark)
kthena_warnings(router_scheduler_bench)
