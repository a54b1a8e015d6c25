# Every third-party package is found through its installed CMake config (Debian packages on a CPU box,
# a PyTorch installation's LibTorch via CMAKE_PREFIX_PATH on a GPU box). Results land in LABKIT_HAVE_*.

find_package(fmt REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 REQUIRED)
find_package(HDF5 REQUIRED COMPONENTS C CXX)
if(NOT TARGET labkit_hdf5)
  add_library(labkit_hdf5 INTERFACE)
  target_include_directories(labkit_hdf5 SYSTEM INTERFACE ${HDF5_INCLUDE_DIRS})
  target_link_libraries(labkit_hdf5 INTERFACE ${HDF5_CXX_LIBRARIES} ${HDF5_C_LIBRARIES})
  target_compile_definitions(labkit_hdf5 INTERFACE ${HDF5_DEFINITIONS})
endif()

set(LABKIT_HAVE_TORCH OFF)
set(LABKIT_HAVE_CUDA OFF)
set(LABKIT_HAVE_GLOO OFF)
set(LABKIT_HAVE_NCCL OFF)
if(LABKIT_WITH_TORCH)
  find_package(Torch REQUIRED)
  set(LABKIT_HAVE_TORCH ON)
  add_library(labkit_torch_deps INTERFACE)
  target_link_libraries(labkit_torch_deps INTERFACE ${TORCH_LIBRARIES})
  # TORCH_CXX_FLAGS carries the C++ ABI define; it must match between our code and libtorch.
  separate_arguments(_labkit_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
  target_compile_options(labkit_torch_deps INTERFACE ${_labkit_torch_flags})
  # PyTorch wheels ship their own (newer) fmt headers inside torch/include, which would shadow the
  # system fmt that libfmt.so was built from and leave fmt::vformat unresolved at link time. Put a
  # folder holding only the system fmt headers ahead of torch's include directories.
  get_target_property(_labkit_fmt_inc fmt::fmt INTERFACE_INCLUDE_DIRECTORIES)
  foreach(_dir ${TORCH_INCLUDE_DIRS})
    if(EXISTS ${_dir}/fmt/core.h AND NOT _dir IN_LIST _labkit_fmt_inc)
      list(GET _labkit_fmt_inc 0 _labkit_fmt_dir)
      set(_shim ${CMAKE_BINARY_DIR}/fmt-before-torch)
      file(MAKE_DIRECTORY ${_shim})
      file(CREATE_LINK ${_labkit_fmt_dir}/fmt ${_shim}/fmt SYMBOLIC)
      target_include_directories(labkit_torch_deps BEFORE INTERFACE ${_shim})
      message(STATUS "labkit: torch bundles fmt in ${_dir}; using the system fmt from ${_labkit_fmt_dir}")
      break()
    endif()
  endforeach()
  if(TORCH_CUDA_LIBRARIES OR CAFFE2_USE_CUDA)
    set(LABKIT_HAVE_CUDA ON)
    target_compile_definitions(labkit_torch_deps INTERFACE LABKIT_HAVE_CUDA=1)
  endif()

  # c10d's Gloo backend needs gloo's headers, which neither Debian's libtorch-dev nor every PyTorch
  # wheel ships. Without them the distributed helper still builds, with NCCL (CUDA) or world size 1.
  include(CheckIncludeFileCXX)
  set(CMAKE_REQUIRED_INCLUDES ${TORCH_INCLUDE_DIRS})
  check_include_file_cxx("gloo/config.h" LABKIT_GLOO_HEADERS)
  unset(CMAKE_REQUIRED_INCLUDES)
  if(LABKIT_GLOO_HEADERS)
    set(LABKIT_HAVE_GLOO ON)
  endif()
  if(LABKIT_HAVE_CUDA)
    find_path(LABKIT_NCCL_INCLUDE_DIR nccl.h
      HINTS ${TORCH_INSTALL_PREFIX}/../nvidia/nccl/include ENV NCCL_INCLUDE_DIR
      PATH_SUFFIXES include)
    if(LABKIT_NCCL_INCLUDE_DIR)
      set(LABKIT_HAVE_NCCL ON)
    endif()
  endif()
endif()

set(LABKIT_HAVE_ITK OFF)
if(LABKIT_WITH_ITK)
  find_package(ITK QUIET COMPONENTS
    ITKCommon ITKIOImageBase ITKIONIFTI ITKIOGDCM ITKIOMeta ITKIONRRD ITKImageGrid ITKImageFunction
    ITKTransform ITKSpatialObjects)
  if(ITK_FOUND)
    set(LABKIT_HAVE_ITK ON)
  else()
    message(WARNING "labkit: ITK not found; image I/O and the tools that need it are skipped "
                    "(configure with -DLABKIT_WITH_ITK=OFF to silence this)")
  endif()
endif()

# Threads: libraries link it too (blockfp, nvr-sim), so it is needed with LABKIT_BUILD_TESTS=OFF as well.
find_package(Threads REQUIRED)
if(LABKIT_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
