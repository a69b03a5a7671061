yk_add_fuzz_target(base64 SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz-base64.c LIBS yk_shared)
# The size grammar of `create --size` (and of a later `grow`).
yk_add_fuzz_target(size SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz-size.c LIBS yk_shared)
# The remote vault address ssh://[user@]host[:port]/path (src/shared/remote-url.c).
yk_add_fuzz_target(remote-url SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz-remote-url.c LIBS yk_shared)
