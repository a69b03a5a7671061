# The token plugin under the stock cryptsetup, isolated from the system's plugin directory.
foreach(t plugin-cryptsetup plugin-symbols vault-hostile)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${t}.sh)
    yk_add_world_test(${t} ${t}.sh)
    set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT
      YK_PLUGIN=$<TARGET_FILE:cryptsetup-token-ykunlock> VAULT_TOOL=$<TARGET_FILE:vault-tool>)
  endif()
endforeach()
# The hostile-header generator runs some 50 layouts with a dozen commands each.
if(TEST vault-hostile)
  set_tests_properties(vault-hostile PROPERTIES TIMEOUT 1200)
endif()
