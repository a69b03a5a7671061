# The vault layer's parsers of outside bytes (the LUKS2 header may come from an untrusted place).
yk_add_fuzz_target(token-json ALLOC_FAIL
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz-token-json.c
  LIBS yk_vault)
# The recovery key as typed or given in a file: the text form or a version-1 key's base64.
yk_add_fuzz_target(recovery-key
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz-recovery-key.c
  LIBS yk_vault)
