# The vault verbs of the command line end to end (create, enroll, open, close, list, unenroll),
# each script in its own private pcscd world with ykemu tokens.
foreach(t cli-vault-story cli-vault-create cli-vault-enroll cli-vault-open cli-vault-robust cli-vault-pty cli-passphrase cli-edges
          cli-vault-files cli-vault-eio cli-vault-header cli-vault-recovery-key cli-vault-blockdev
          cli-vault-group cli-remote-args cli-vault-grow cli-vault-backup)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${t}.sh)
    yk_add_world_test(${t} ${t}.sh)
  endif()
endforeach()
