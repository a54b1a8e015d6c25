# Helpers that give every labkit library, tool and test the same shape.
include(CMakeParseArguments)
include(GNUInstallDirs)

# labkit_add_library(NAME SOURCES ... DEPS ... [PRIVATE_DEPS ...])
# Headers live in libs/<dir>/include/labkit/<dir>/, sources in libs/<dir>/src/.
function(labkit_add_library name)
  cmake_parse_arguments(A "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(labkit_${name} STATIC ${A_SOURCES})
  add_library(labkit::${name} ALIAS labkit_${name})
  target_include_directories(labkit_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(labkit_${name} PUBLIC ${A_DEPS} PRIVATE ${A_PRIVATE_DEPS} labkit_warnings)
  # cmake --install: the static library and its public headers under CMAKE_INSTALL_PREFIX.
  install(TARGETS labkit_${name} ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()

# One precompiled header for torch, built once and reused by every target that includes torch.
# The reuse only needs matching compile flags; if they ever differ gcc ignores the .gch and parses.
function(labkit_use_torch target)
  if(NOT LABKIT_HAVE_TORCH)
    message(FATAL_ERROR "${target} needs LibTorch (LABKIT_WITH_TORCH=OFF)")
  endif()
  target_link_libraries(${target} PUBLIC labkit_torch_deps)
  if(TARGET labkit_torch_pch AND NOT target STREQUAL "labkit_torch_pch")
    target_precompile_headers(${target} REUSE_FROM labkit_torch_pch)
  endif()
endfunction()

# labkit_tool_requires(TORCH ITK ...): skip the current tool directory when a requirement is missing.
macro(labkit_tool_requires)
  foreach(_req ${ARGN})
    if(NOT LABKIT_HAVE_${_req})
      message(STATUS "labkit: skipping ${LABKIT_CURRENT_TOOL} (needs ${_req})")
      return()
    endif()
  endforeach()
endmacro()

# labkit_add_tool(NAME SOURCES ... DEPS ...): a CLI binary in bin/.
function(labkit_add_tool name)
  cmake_parse_arguments(A "TORCH" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE ${A_DEPS} labkit_warnings)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
  if(A_TORCH)
    labkit_use_torch(${name})
  endif()
  set_property(GLOBAL APPEND PROPERTY LABKIT_BUILT_TOOLS ${name})
  install(TARGETS ${name} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  # Its bash completion, generated at install time by the built tool itself (`<tool> --completion bash`),
  # where bash-completion looks for it: share/bash-completion/completions/<tool>.
  set(_script ${CMAKE_BINARY_DIR}/completions/${name})
  install(CODE "
    file(MAKE_DIRECTORY \"${CMAKE_BINARY_DIR}/completions\")
    execute_process(COMMAND \"$<TARGET_FILE:${name}>\" --completion bash OUTPUT_FILE \"${_script}\" RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR \"${name} --completion bash failed (\${_rc})\")
    endif()
    file(INSTALL \"${_script}\" DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/bash-completion/completions\")")
endfunction()

# labkit_add_gtest(NAME SOURCES ... DEPS ... [TORCH] [LABELS ...]): a GoogleTest binary, each TEST a ctest.
function(labkit_add_gtest name)
  cmake_parse_arguments(A "TORCH" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_link_libraries(${name} PRIVATE ${A_DEPS} GTest::gtest GTest::gtest_main Threads::Threads labkit_warnings)
  target_compile_definitions(${name} PRIVATE
    LABKIT_SHARED_DATA_DIR="${LABKIT_SHARED_DATA_DIR}"
    LABKIT_BIN_DIR="${CMAKE_BINARY_DIR}/bin"
    LABKIT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  # ENABLE_EXPORTS (-rdynamic): crash backtraces from tests/support name functions.
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests ENABLE_EXPORTS ON)
  if(A_TORCH)
    labkit_use_torch(${name})
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${A_LABELS}")
endfunction()
