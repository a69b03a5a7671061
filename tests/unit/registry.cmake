# /etc/ykunlock/vaults: the parser of the plug-in configuration (src/vault/registry.c).
yk_add_unit_test(vault-registry SOURCES ${CMAKE_CURRENT_LIST_DIR}/vault-registry.c LIBS yk_vault)
