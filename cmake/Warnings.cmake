# Applied to our own targets only, so that warnings inside system headers never fail the build.
function(kthena_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
endfunction()

# kthena_library(NAME DEPS ...): one static library per src/ folder, made of every .cpp under it (except main.cpp
# and *_main.cpp), with explicit dependencies. tests/layering_test.sh checks that no source includes a header of a
# library that its folder may not use.
function(kthena_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  list(FILTER sources EXCLUDE REGEX "/(main|[a-z_]*_main)\\.cpp$")
  add_library(${name} STATIC ${sources} ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  kthena_warnings(${name})
endfunction()
