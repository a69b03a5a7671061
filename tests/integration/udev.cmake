# The udev rules of udev/, run by the real udevadm against a fake sysfs tree (no hardware).
yk_add_world_test(udev-rules udev-rules.sh)
set_property(TEST udev-rules APPEND PROPERTY ENVIRONMENT YK_UDEV_DIR=${PROJECT_SOURCE_DIR}/udev)
