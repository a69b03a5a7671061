# The vault layer: key derivation, token JSON, and vault operations on real image files.
yk_add_unit_test(vault-kdf SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/vault-kdf.c LIBS yk_crypto yk_shared)
yk_add_unit_test(vault-token-json SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/vault-token-json.c LIBS yk_vault)
