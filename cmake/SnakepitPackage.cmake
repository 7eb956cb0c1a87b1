# `cpack -G DEB` in the build directory: snakepit_<version>_<arch>.deb with
# everything `cmake --install` installs, under /usr. Depends names the
# Debian packages of the libraries libsnakepit.so and the CLI load (see
# `objdump -p`; scripts/consumer-test.sh checks the list against them) and
# what the Python workers import.
set(CPACK_PACKAGE_NAME snakepit)
set(CPACK_PACKAGE_VENDOR "Snakepit for C++")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Snakepit maintainers <snakepit@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "supervised pools of Python workers for C++ actor systems (CAF)")
set(CPACK_PACKAGE_DESCRIPTION
  "Snakepit for C++ runs Python functions from C++ services: pools of \
supervised Python worker processes behind CAF actors, with telemetry and \
the snakepit command-line tool. The package holds libsnakepit.so, the \
snakepit CLI, the Python worker package (/usr/share/snakepit/python), the \
public headers and the CMake package (find_package(snakepit)). Compiling \
against the headers needs CAF's headers too: install libcaf-dev.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
# Without the debug information (libsnakepit.so shrinks about tenfold).
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "libc6, libstdc++6, libgcc-s1, libcaf-core0.17, libcaf-io0.17, \
libgrpc++1.51, libgrpc29, libabsl20220623, libprotobuf32, libspdlog1.10, \
libfmt9, libtomlplusplus3, libssl3, python3, python3-grpcio, python3-protobuf")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libcaf-dev, cmake")
include(CPack)
