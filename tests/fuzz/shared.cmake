yk_add_fuzz_target(base64 SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz-base64.c LIBS yk_shared)
