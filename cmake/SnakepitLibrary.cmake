# libsnakepit.so (target snakepit, snakepit::snakepit): every part of the
# project in one shared library, so that its global state (the telemetry
# bus's registry, the pinned gRPC callback queue, protobuf's descriptors)
# exists once per process. Its users compile against the public headers
# and CAF; gRPC, Protobuf, spdlog, toml++, nlohmann-json and Boost are its
# private business.
set(snakepit_parts
  snakepit_core snakepit_process snakepit_proto_messages snakepit_proto
  snakepit_wire snakepit_bridge snakepit_native snakepit_telemetry
  snakepit_admin_protocol
  snakepit_admin snakepit_handshake snakepit_cluster snakepit_host
  snakepit_diagnostics)

add_library(snakepit SHARED)
add_library(snakepit::snakepit ALIAS snakepit)
set_target_properties(snakepit PROPERTIES
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
  EXPORT_NAME snakepit)
# Linked directly, each part adds its objects.
target_link_libraries(snakepit
  PUBLIC CAF::core
  PRIVATE ${snakepit_parts} CAF::io OpenSSL::SSL OpenSSL::Crypto
          gRPC::grpc++ protobuf::libprotobuf spdlog::spdlog
          Boost::filesystem tomlplusplus::tomlplusplus
          nlohmann_json::nlohmann_json Threads::Threads)
target_include_directories(snakepit PUBLIC
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_compile_features(snakepit PUBLIC cxx_std_17)
add_dependencies(snakepit snakepit_python)

# For this repository's own programs only (tests, tools, examples,
# benchmarks): the shared library plus the internal headers (the
# repository root, the generated protobuf headers) and the usage
# requirements of the private dependencies. All of those dependencies are
# shared libraries of the system, so nothing is linked twice.
add_library(snakepit_internal INTERFACE)
target_link_libraries(snakepit_internal INTERFACE
  snakepit gRPC::grpc++ protobuf::libprotobuf spdlog::spdlog
  Boost::filesystem Boost::headers tomlplusplus::tomlplusplus
  nlohmann_json::nlohmann_json Threads::Threads)
target_include_directories(snakepit_internal INTERFACE
  ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/proto/gen)
