# The emulated key (tests/emulator): its APDU parsing and its state-file reader.
yk_add_fuzz_target(ykemu-apdu
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz-ykemu-apdu.c
  LIBS ykemu_card)
yk_add_fuzz_target(ykemu-state
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz-ykemu-state.c
  LIBS ykemu_card)
