# Every allocation failure path of the token JSON and slot configuration code (tests/lib/alloc-fail.c).
yk_add_unit_test(alloc-failures SOURCES ${CMAKE_CURRENT_LIST_DIR}/alloc-failures.c
                 LIBS yk_vault yk_otp yk_alloc_fail)
target_link_options(alloc-failures PRIVATE ${YK_ALLOC_FAIL_LINK})
