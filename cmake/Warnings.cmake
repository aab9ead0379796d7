# Applied to our own targets only, so that warnings inside system headers never fail the build.
function(kthena_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
endfunction()

# kthena_library(NAME SOURCES... DEPS ...): one CMake library per src/ folder, with explicit dependencies so that a
# forbidden include (say, the router reaching into the controllers) fails the build.
function(kthena_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  kthena_warnings(${name})
endfunction()
