# The token plugin's logic in process: registered with crypt_token_register(), emulated keys.
yk_add_unit_test(plugin-open SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/plugin-open.c LIBS yk_plugin vault_fixture)
