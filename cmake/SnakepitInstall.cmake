# `cmake --install build --prefix P`: libsnakepit.so, the public headers,
# the `snakepit` CLI, the Python package (python/CMakeLists.txt), the proto
# (proto/CMakeLists.txt) and the CMake package, so that a project of one's
# own finds it with find_package(snakepit CONFIG REQUIRED). The layout is
# in docs/packaging.md. Tests, examples and benchmarks are not installed.
include(CMakePackageConfigHelpers)

set(SNAKEPIT_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/snakepit
  CACHE STRING "Where snakepitConfig.cmake is installed, below the prefix")

install(TARGETS snakepit EXPORT snakepit_targets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    COMPONENT runtime NAMELINK_COMPONENT development)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT development
  FILES_MATCHING PATTERN "*.hpp")
install(EXPORT snakepit_targets
  NAMESPACE snakepit::
  FILE snakepitTargets.cmake
  DESTINATION ${SNAKEPIT_INSTALL_CMAKEDIR} COMPONENT development)
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/snakepitConfig.cmake.in
  ${PROJECT_BINARY_DIR}/snakepitConfig.cmake
  INSTALL_DESTINATION ${SNAKEPIT_INSTALL_CMAKEDIR})
# 0.x: a minor version may break the API, so only the same minor matches.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/snakepitConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
    ${PROJECT_BINARY_DIR}/snakepitConfig.cmake
    ${PROJECT_BINARY_DIR}/snakepitConfigVersion.cmake
    ${PROJECT_SOURCE_DIR}/cmake/FindCAF.cmake
  DESTINATION ${SNAKEPIT_INSTALL_CMAKEDIR} COMPONENT development)
