# Unit tests of the USB HID transport (src/transport/hid*.c): the framing against the
# emulator's HID side in-process (and faulty devices built on it), sysfs enumeration on a
# fake tree, and the hidraw backend's errors.
if(TARGET ykemu_card)
  yk_add_unit_test(hid-frame SOURCES ${CMAKE_CURRENT_LIST_DIR}/hid-frame.c
                   LIBS yk_otp yk_crypto yk_transport ykemu_card)
endif()
if(TARGET yk_test_emu)
  yk_add_unit_test(hid-backend SOURCES ${CMAKE_CURRENT_LIST_DIR}/hid-backend.c
                   LIBS yk_otp yk_transport yk_test_emu)
endif()
