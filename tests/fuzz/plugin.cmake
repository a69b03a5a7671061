# The token plugin's `validate` and `dump` on any text.
yk_add_fuzz_target(plugin-validate ALLOC_FAIL
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz-plugin-validate.c
  LIBS yk_plugin)
