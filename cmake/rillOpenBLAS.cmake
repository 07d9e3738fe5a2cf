# Finds the OpenBLAS that rill links and defines the imported target rill::openblas.
# Included by the build (CMakeLists.txt) and by the installed package (rillConfig.cmake), so
# that a program built against installed rill links the same OpenBLAS build as rill's own:
# the OpenMP build (libopenblas-openmp-dev), which shares rill's OpenMP thread pool. The
# default pthreads build runs its own pool, whose spinning workers fight OpenMP's for the
# cores (4.5x slower training steps measured on 2 cores); it is only the fallback.
# Debian installs the OpenMP build's CMake file in a folder of its own, which find_package
# never searches by default: it is looked for under each CMAKE_PREFIX_PATH entry first (a
# prefix of unpacked .deb files, as cuda/gpu_deps.sh makes), then under /usr.
# Leaves rill::openblas undefined when no OpenBLAS is found; the caller says so.
if(TARGET rill::openblas)
  return()
endif()
set(rill_openblas_openmp_dirs)
foreach(prefix IN LISTS CMAKE_PREFIX_PATH ITEMS /usr)
  list(APPEND rill_openblas_openmp_dirs ${prefix}/lib/${CMAKE_LIBRARY_ARCHITECTURE}/openblas-openmp/cmake/openblas)
endforeach()
find_package(OpenBLAS CONFIG QUIET PATHS ${rill_openblas_openmp_dirs} NO_DEFAULT_PATH)
if(NOT OpenBLAS_FOUND)
  message(WARNING "rill: OpenMP build of OpenBLAS not found (apt-get install libopenblas-openmp-dev); "
                  "using the default one, whose threads compete with rill's")
  find_package(OpenBLAS CONFIG QUIET)   # libopenblas-dev
endif()
if(OpenBLAS_FOUND)
  # Debian's OpenBLASConfig.cmake sets variables only; rill's targets link this one.
  add_library(rill::openblas INTERFACE IMPORTED)
  target_include_directories(rill::openblas SYSTEM INTERFACE ${OpenBLAS_INCLUDE_DIRS})
  target_link_libraries(rill::openblas INTERFACE ${OpenBLAS_LIBRARIES})
endif()
