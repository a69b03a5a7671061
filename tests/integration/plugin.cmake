# The token plugin under the stock cryptsetup, isolated from the system's plugin directory.
foreach(t plugin-cryptsetup plugin-symbols)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${t}.sh)
    yk_add_world_test(${t} ${t}.sh)
    set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT
      YK_PLUGIN=$<TARGET_FILE:cryptsetup-token-ykunlock> VAULT_TOOL=$<TARGET_FILE:vault-tool>)
  endif()
endforeach()
