# What `cmake --install build --prefix P` puts under P (README "Install and use from your
# own project"), and the CMake package that finds it again:
#   P/include/rill/<folder>/*.h   the headers, in the source tree's layout
#   P/include/rill/version.h      <rill/version.h>, generated (cmake/version.h.in)
#   P/lib/librill_<folder>.a      the libraries, static (below: why)
#   P/lib/cmake/rill/             find_package(rill CONFIG): rillConfig.cmake, its version
#                                 file, the targets, and the OpenBLAS lookup it shares with
#                                 the build (rillOpenBLAS.cmake)
#   P/lib/pkgconfig/rill.pc       the same for pkg-config (and rill-cuda.pc with CUDA)
#   P/bin/toy2d, image_flow, fm_* the example programs
#
# Include paths: rill's own headers include each other as "tensor/tensor.h", so the
# package puts P/include/rill on the include path (the sources unchanged, and a program
# writes the same #include lines as the code it reads) and P/include, for <rill/version.h>
# and for those who prefer <rill/tensor/tensor.h>. Everything sits under include/rill so
# that installing into /usr/local puts no folder named tensor/ or nn/ into include/.
#
# Static libraries only, as in the build: a program gets all of rill in its executable
# (nothing to find at run time but the system's shared libraries), rill needs no
# position-independent code or ABI versioning yet, and -march=native (RILL_NATIVE) ties
# the libraries to this kind of CPU anyway: configure with -DRILL_NATIVE=OFF to install
# libraries for other machines.
#
# Targets (namespace rill::): rill::rill, the CPU framework (tensor to flowmatch), and one
# per layer (rill::tensor, rill::io, rill::data, rill::autograd, rill::nn,
# rill::flowmatch); components, each in a file of its own so that a program that does not
# ask for it needs neither its headers nor its dependencies:
#   cuda         rill::cuda, the CUDA backend (CUDAToolkit), when built. Linking it puts
#                the registration object (cuda/register.cpp) on the program's link line,
#                as in the build: the backend registers itself at start-up.
#   distributed  rill::distributed, the communicators (MPI when built with it; with NCCL
#                it needs the cuda component, which it loads).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
set(rill_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/rill)

# ---- headers ---------------------------------------------------------------------------
# Under include/, not CMAKE_INSTALL_INCLUDEDIR: the exported include path says include/rill
# (tensor/CMakeLists.txt, INSTALL_INTERFACE), and the two must agree.
install(DIRECTORY tensor io data autograd nn flowmatch DESTINATION include/rill
        FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/rill/version.h DESTINATION include/rill)

# ---- libraries and their exported targets ----------------------------------------------
foreach(layer tensor io data autograd nn flowmatch)
  set_target_properties(rill_${layer} PROPERTIES EXPORT_NAME ${layer})
endforeach()
# rill_warnings: every library links it privately, which a static library's export still
# names; installed, it carries no flags (CMakeLists.txt wraps them in BUILD_INTERFACE).
set_target_properties(rill_warnings PROPERTIES EXPORT_NAME warnings)
install(TARGETS rill rill_tensor rill_io rill_data rill_autograd rill_nn rill_flowmatch rill_warnings
        EXPORT rillTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT rillTargets NAMESPACE rill:: DESTINATION ${rill_cmake_dir})

if(RILL_WITH_CUDA)
  install(DIRECTORY cuda/ DESTINATION include/rill/cuda FILES_MATCHING PATTERN "*.h")
  set_target_properties(rill_cuda PROPERTIES EXPORT_NAME cuda)
  # The registration object goes in as an imported object library, rill::cuda_registration,
  # which the exported rill::cuda names by that name (cuda/CMakeLists.txt).
  install(TARGETS rill_cuda cuda_registration EXPORT rillCudaTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} OBJECTS DESTINATION ${CMAKE_INSTALL_LIBDIR}/rill)
  install(EXPORT rillCudaTargets NAMESPACE rill:: DESTINATION ${rill_cmake_dir})
  # The same object file under a fixed name, for rill-cuda.pc.
  install(FILES $<TARGET_OBJECTS:cuda_registration> DESTINATION ${CMAKE_INSTALL_LIBDIR}/rill
          RENAME rill_cuda_register.o)
endif()

install(DIRECTORY distributed/ DESTINATION include/rill/distributed FILES_MATCHING PATTERN "*.h")
set_target_properties(rill_distributed PROPERTIES EXPORT_NAME distributed)
install(TARGETS rill_distributed EXPORT rillDistributedTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT rillDistributedTargets NAMESPACE rill:: DESTINATION ${rill_cmake_dir})

# ---- the CMake package -------------------------------------------------------------------
configure_package_config_file(cmake/rillConfig.cmake.in ${PROJECT_BINARY_DIR}/rillConfig.cmake
                              INSTALL_DESTINATION ${rill_cmake_dir})
# Before 1.0 a minor release may change the API (semantic versioning's rule for 0.y.z):
# find_package(rill 0.2) accepts 0.2.x from 0.2.0 on, not 0.3.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/rillConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/rillConfig.cmake ${PROJECT_BINARY_DIR}/rillConfigVersion.cmake
              cmake/rillOpenBLAS.cmake DESTINATION ${rill_cmake_dir})

# ---- pkg-config: rill.pc (the CPU framework) and rill-cuda.pc ----------------------------
# Static libraries, so Libs lists everything a program must link, in link order. The
# prefix is found from the .pc file's own place (${pcfiledir}): the install can move.
file(RELATIVE_PATH rill_pc_to_prefix /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)   # "../.."
list(JOIN OpenBLAS_LIBRARIES " " rill_pc_openblas)
list(JOIN OpenMP_CXX_FLAGS " " rill_pc_openmp)
configure_file(cmake/rill.pc.in ${PROJECT_BINARY_DIR}/rill.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/rill.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(RILL_WITH_CUDA)
  configure_file(cmake/rill-cuda.pc.in ${PROJECT_BINARY_DIR}/rill-cuda.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/rill-cuda.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()

# ---- the example programs ------------------------------------------------------------------
# Installed programs keep the run-time paths of the shared libraries they link outside the
# prefix (the CUDA toolkit's libcudart and libcublas are not on the loader's path).
set(rill_installed_programs toy2d image_flow fm_straight fm_diffusion fm_marginal fm_targets fm_likelihood fm_minimal tour)
set_target_properties(${rill_installed_programs} PROPERTIES INSTALL_RPATH_USE_LINK_PATH ON)
install(TARGETS ${rill_installed_programs} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
