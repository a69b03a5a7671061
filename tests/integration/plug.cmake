# ykunlock status and plug-event with a vaults file (--config), in a private pcscd world.
yk_add_world_test(plug-status plug-status.sh)
