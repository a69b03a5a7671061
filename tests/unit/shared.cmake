yk_add_unit_test(shared-test SOURCES ${CMAKE_CURRENT_LIST_DIR}/shared-test.c LIBS yk_shared)
yk_add_unit_test(shared-deadline SOURCES ${CMAKE_CURRENT_LIST_DIR}/shared-deadline.c LIBS yk_shared)
yk_add_unit_test(shared-parse SOURCES ${CMAKE_CURRENT_LIST_DIR}/shared-parse.c LIBS yk_shared)
yk_add_unit_test(shared-remote-url SOURCES ${CMAKE_CURRENT_LIST_DIR}/shared-remote-url.c LIBS yk_shared)
