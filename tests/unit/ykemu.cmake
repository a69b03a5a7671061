# The emulated card itself (tests/emulator), APDU by APDU.
yk_add_unit_test(ykemu-card-test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/ykemu-card-test.c
  LIBS ykemu_card yk_shared yubikey::yubikey)

# The in-process test backend (tests/lib/emu-transport.c) under the real CCID framing.
yk_add_unit_test(ykemu-transport-test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/ykemu-transport-test.c
  LIBS yk_test_emu yk_otp)
