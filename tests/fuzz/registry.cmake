# /etc/ykunlock/vaults: a file an administrator writes, read by a root service at every insertion.
yk_add_fuzz_target(vault-registry ALLOC_FAIL SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz-vault-registry.c LIBS yk_vault)
