# Unit tests of USB HID: the OTP HID framing (src/otp/frame-hid.c) against the emulator's HID
# side in-process (and faulty devices built on it); the hidraw backend (src/transport/hid*.c):
# sysfs enumeration on a fake tree, and its errors.
if(TARGET ykemu_card)
  yk_add_unit_test(otp-frame-hid SOURCES ${CMAKE_CURRENT_LIST_DIR}/otp-frame-hid.c
                   LIBS yk_otp yk_crypto yk_transport ykemu_card)
endif()
if(TARGET yk_test_emu)
  yk_add_unit_test(transport-hid SOURCES ${CMAKE_CURRENT_LIST_DIR}/transport-hid.c
                   LIBS yk_otp yk_transport yk_test_emu)
endif()
