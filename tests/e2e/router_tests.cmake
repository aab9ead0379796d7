# The router's end-to-end tests (included from CMakeLists.txt): gtest cases that start `kthena engine-sim` fleets and
# `kthena router` on loopback, and the OpenAI npm client through the router.
file(GLOB router_e2e_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/router_*_test.cpp)
kthena_test(router_e2e_tests SOURCES ${router_e2e_sources} DEPS kthena_router kthena_apiserver rapidcheck LABELS e2e)
add_dependencies(router_e2e_tests kthena)
find_program(NODE_PROGRAM node)
if(NODE_PROGRAM)
  add_test(NAME router_js_openai COMMAND ${NODE_PROGRAM} --test ${PROJECT_SOURCE_DIR}/tests/js/router_openai.test.mjs)
  set_tests_properties(router_js_openai PROPERTIES LABELS e2e TIMEOUT 120 ENVIRONMENT "KTHENA_BINARY=$<TARGET_FILE:kthena>")
endif()
