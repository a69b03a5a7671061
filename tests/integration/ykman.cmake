# Yubico's ykman against the emulated key (tests/emulator): the acceptance of ykemu.
yk_add_world_test(ykman-acceptance ykman-acceptance.sh LABELS ykman)
# The configurations ykman writes, against the golden files in tests/data/ykman-configs/.
yk_add_world_test(ykman-golden-configs ykman-golden-configs.sh LABELS ykman)
