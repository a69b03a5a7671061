# Unit tests of the transport, OTP and crypto layers (src/transport, src/otp, src/crypto/{random,hmac}).
# The mock APDU exchanger replays scripted card answers through the real CCID framing.
add_library(yk_test_mock STATIC ${CMAKE_CURRENT_LIST_DIR}/ccid-mock.c)
target_include_directories(yk_test_mock PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(yk_test_mock PUBLIC yk_otp yk_transport yk_shared PkgConfig::CMOCKA)
# Scripts are tables of { command, answer } with the error field left out.
target_compile_options(yk_test_mock INTERFACE -Wno-missing-field-initializers)

yk_add_unit_test(transport-registry SOURCES ${CMAKE_CURRENT_LIST_DIR}/transport-registry.c
                 LIBS yk_transport)
yk_add_unit_test(transport-bounded SOURCES ${CMAKE_CURRENT_LIST_DIR}/transport-bounded.c
                 LIBS yk_transport)
yk_add_unit_test(otp-frame-ccid SOURCES ${CMAKE_CURRENT_LIST_DIR}/otp-frame-ccid.c
                 LIBS yk_test_mock)
yk_add_unit_test(otp-status SOURCES ${CMAKE_CURRENT_LIST_DIR}/otp-status.c
                 LIBS yk_otp)
yk_add_unit_test(otp-padding SOURCES ${CMAKE_CURRENT_LIST_DIR}/otp-padding.c
                 LIBS yk_otp PkgConfig::LIBCRYPTO)
yk_add_unit_test(otp-config SOURCES ${CMAKE_CURRENT_LIST_DIR}/otp-config.c
                 LIBS yk_otp yubikey::yubikey)
target_compile_definitions(otp-config PRIVATE
  YK_GOLDEN_DIR="${CMAKE_SOURCE_DIR}/tests/data/ykman-configs")
yk_add_unit_test(otp-applet SOURCES ${CMAKE_CURRENT_LIST_DIR}/otp-applet.c
                 LIBS yk_otp yk_test_mock)
yk_add_unit_test(otp-discover SOURCES ${CMAKE_CURRENT_LIST_DIR}/otp-discover.c
                 LIBS yk_otp yk_test_mock)
yk_add_unit_test(crypto-hmac SOURCES ${CMAKE_CURRENT_LIST_DIR}/crypto-hmac.c
                 LIBS yk_crypto)
yk_add_unit_test(crypto-random SOURCES ${CMAKE_CURRENT_LIST_DIR}/crypto-random.c
                 LIBS yk_crypto)

# The applet against the emulated card (tests/emulator), once that library exists.
if(TARGET yk_test_emu AND EXISTS ${CMAKE_CURRENT_LIST_DIR}/otp-emulator.c)
  yk_add_unit_test(otp-emulator SOURCES ${CMAKE_CURRENT_LIST_DIR}/otp-emulator.c
                   LIBS yk_otp yk_crypto yk_test_emu)
endif()
