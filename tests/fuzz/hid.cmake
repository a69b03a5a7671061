# The host's parsing of USB HID answers (src/otp/frame-hid.c through src/otp/applet.c)
# and of what sysfs says about hidraw nodes (hid-sysfs.c).
yk_add_fuzz_target(hid-answers ALLOC_FAIL
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz-hid-answers.c
  LIBS yk_otp yk_transport)
