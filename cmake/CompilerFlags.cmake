# Warnings, hardening and sanitizers: one place for every target.
add_compile_definitions(_GNU_SOURCE) # asprintf, mkostemp, explicit_bzero, getrandom
add_compile_options(-Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes
                    -Wstrict-prototypes -Wvla -Wno-unused-parameter)
if(WERROR)
  add_compile_options(-Werror)
endif()

if(HARDENING)
  add_compile_options(-fstack-protector-strong -fstack-clash-protection -fcf-protection)
  if(NOT SANITIZE AND NOT FUZZ)
    # _FORTIFY_SOURCE needs optimisation and fights with ASan.
    add_compile_definitions(_FORTIFY_SOURCE=2)
  endif()
  add_link_options(-Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack)
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  include(CheckPIESupported)
  check_pie_supported()
endif()

if(SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

if(FUZZ)
  if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "FUZZ=ON needs clang (CC=clang-14)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
