# Compiler launcher, warnings and sanitizers shared by every labkit target.

find_program(LABKIT_CCACHE ccache)
if(LABKIT_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_C_COMPILER_LAUNCHER ${LABKIT_CCACHE})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${LABKIT_CCACHE})
  message(STATUS "labkit: using ccache ${LABKIT_CCACHE}")
endif()

add_library(labkit_warnings INTERFACE)
target_compile_options(labkit_warnings INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wno-unused-parameter>)

if(LABKIT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# libFuzzer builds (preset fuzz, clang): the code under test gets coverage hooks and both sanitizers; the
# harness executables add -fsanitize=fuzzer (libFuzzer's main) in fuzz/CMakeLists.txt.
if(LABKIT_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "LABKIT_FUZZ needs clang (libFuzzer): use the fuzz preset")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
