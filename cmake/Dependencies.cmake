# Every external library is an IMPORTED target found through pkg-config
# (libyubikey ships no .pc file: header and library are found directly).
find_package(PkgConfig REQUIRED)
if(WITH_PCSC)
  pkg_check_modules(PCSC REQUIRED IMPORTED_TARGET libpcsclite)
endif()
pkg_check_modules(YKPERS REQUIRED IMPORTED_TARGET ykpers-1)
pkg_check_modules(CRYPTSETUP REQUIRED IMPORTED_TARGET libcryptsetup)
pkg_check_modules(JSONC REQUIRED IMPORTED_TARGET json-c)
pkg_check_modules(LIBCRYPTO REQUIRED IMPORTED_TARGET libcrypto)

find_path(YUBIKEY_INCLUDE_DIR yubikey.h REQUIRED)
find_library(YUBIKEY_LIBRARY yubikey REQUIRED)
add_library(yubikey::yubikey UNKNOWN IMPORTED)
set_target_properties(yubikey::yubikey PROPERTIES
  IMPORTED_LOCATION ${YUBIKEY_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${YUBIKEY_INCLUDE_DIR})

if(BUILD_TESTS)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
endif()
