# The host's parsing of card answers (src/otp/frame-ccid.c, applet.c, discover.c).
yk_add_fuzz_target(otp-answers ALLOC_FAIL
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz-otp-answers.c
  LIBS yk_otp)
