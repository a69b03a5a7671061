# What the command line takes as input: --size and secret files (FIFOs, devices).
yk_add_world_test(cli-input cli-input.sh)
