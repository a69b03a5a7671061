# The vault layer: key derivation, token JSON, and vault operations on real image files.
yk_add_unit_test(vault-kdf SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/vault-kdf.c LIBS yk_crypto yk_shared)
yk_add_unit_test(vault-token-json SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/vault-token-json.c LIBS yk_vault)

# Vault operations on real image files, with emulated YubiKeys in process.
add_library(vault_fixture STATIC ${CMAKE_CURRENT_SOURCE_DIR}/vault-fixture.c)
target_link_libraries(vault_fixture PUBLIC yk_vault yk_test_emu PkgConfig::CRYPTSETUP PkgConfig::LIBCRYPTO
                      PkgConfig::CMOCKA PkgConfig::JSONC)
foreach(t vault-create vault-enroll vault-robust vault-unlock vault-response-cache)
  yk_add_unit_test(${t} SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/${t}.c LIBS vault_fixture)
endforeach()
