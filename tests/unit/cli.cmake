# The command line's one option table and exit-code mapping (src/cli/table.c, exit-code.c).
yk_add_unit_test(cli-table SOURCES ${CMAKE_CURRENT_LIST_DIR}/cli-table.c LIBS yk_cli)
