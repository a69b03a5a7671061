# The PC/SC backend under a hostile service: pcscd stopped or killed mid-exchange, for the CLI
# and for the token plugin under the stock cryptsetup.
if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/pcsc-silent.sh)
  yk_add_world_test(pcsc-silent pcsc-silent.sh LABELS pcsc)
  set_property(TEST pcsc-silent APPEND PROPERTY ENVIRONMENT
    YK_PLUGIN=$<TARGET_FILE:cryptsetup-token-ykunlock> VAULT_TOOL=$<TARGET_FILE:vault-tool>)
endif()
