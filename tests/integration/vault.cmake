# The vault layer end to end: a small driver of src/vault (until the CLI verbs exist), the
# crash shim, crash safety of enroll/unenroll, and interop with the stock tools.
add_executable(vault-tool ${CMAKE_CURRENT_SOURCE_DIR}/vault-tool.c)
target_link_libraries(vault-tool PRIVATE yk_vault yk_test_emu)

add_library(vault-crash-shim SHARED ${CMAKE_SOURCE_DIR}/tests/lib/crash-shim.c)
target_link_libraries(vault-crash-shim PRIVATE ${CMAKE_DL_LIBS})
# An LD_PRELOAD library must not pull in the sanitizer runtime of the tree.
target_compile_options(vault-crash-shim PRIVATE -fno-sanitize=all)
target_link_options(vault-crash-shim PRIVATE -fno-sanitize=all)

foreach(t vault-crash vault-stock-tools)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${t}.sh)
    yk_add_world_test(${t} ${t}.sh)
    set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT
      VAULT_TOOL=$<TARGET_FILE:vault-tool> CRASH_SHIM=$<TARGET_FILE:vault-crash-shim>)
  endif()
endforeach()
