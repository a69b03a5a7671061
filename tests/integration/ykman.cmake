# Yubico's ykman against the emulated key (tests/emulator): the acceptance of ykemu.
yk_add_world_test(ykman-acceptance ykman-acceptance.sh LABELS ykman)
# The configurations ykman writes, against the golden files in tests/data/ykman-configs/.
yk_add_world_test(ykman-golden-configs ykman-golden-configs.sh LABELS ykman)
# ykemu's own command line (no world needed).
add_test(NAME ykman-ykemu-cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/ykman-ykemu-cli.sh)
set_tests_properties(ykman-ykemu-cli PROPERTIES LABELS "integration" ENVIRONMENT "${YK_TEST_ENV}" TIMEOUT 60)
