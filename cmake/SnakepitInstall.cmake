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
# TEMPORARY, until the public headers live in include/snakepit/: the
# headers that <snakepit/snakepit.hpp> and the telemetry headers include
# today, at the paths they include each other by.
foreach(header
    actors/pool_actor.hpp actors/worker_environment.hpp bridge/channel.hpp
    core/clock.hpp core/config.hpp core/error.hpp core/inspection.hpp
    core/recycle_policy.hpp core/slot_table.hpp messages/atoms.hpp
    messages/lifecycle_messages.hpp messages/requests.hpp
    messages/status.hpp messages/worker_messages.hpp process/launcher.hpp
    snakepit/client.hpp snakepit/host.hpp snakepit/runtime.hpp
    snakepit/snakepit.hpp telemetry/bus.hpp telemetry/event_types.hpp
    telemetry/events.hpp)
  get_filename_component(header_dir ${header} DIRECTORY)
  install(FILES ${PROJECT_SOURCE_DIR}/${header}
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/${header_dir}
    COMPONENT development)
endforeach()

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
