# Yubico's ykman against the emulated key (tests/emulator): the acceptance of ykemu.
yk_add_world_test(ykman-acceptance ykman-acceptance.sh LABELS ykman)
