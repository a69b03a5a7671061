# YK_CRYPTSETUP_TOKENS_DIR: where libcryptsetup loads token plugins from. The directory is
# compiled into libcryptsetup (2.6 has no run-time setting), so ask the installed library:
# crypt_token_external_path() (docs/protocol.md §6). When the probe cannot run (cross builds),
# the Debian layout is the fallback. Set the cache variable to override both.
set(_yk_tokens_dir "/lib/${CMAKE_LIBRARY_ARCHITECTURE}/cryptsetup")
if(NOT DEFINED YK_CRYPTSETUP_TOKENS_DIR AND NOT CMAKE_CROSSCOMPILING)
  try_run(_yk_probe_run _yk_probe_build
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/probes/tokens-dir.c
    CMAKE_FLAGS "-DINCLUDE_DIRECTORIES=${CRYPTSETUP_INCLUDE_DIRS}"
    LINK_LIBRARIES ${CRYPTSETUP_LINK_LIBRARIES}
    RUN_OUTPUT_VARIABLE _yk_probe_out)
  if(_yk_probe_build AND _yk_probe_run EQUAL 0 AND _yk_probe_out MATCHES "^/")
    set(_yk_tokens_dir "${_yk_probe_out}")
    message(STATUS "libcryptsetup token plugin directory: ${_yk_tokens_dir}")
  else()
    message(WARNING "could not ask libcryptsetup for its token plugin directory; "
                    "using ${_yk_tokens_dir} (set YK_CRYPTSETUP_TOKENS_DIR to override)")
  endif()
endif()
set(YK_CRYPTSETUP_TOKENS_DIR "${_yk_tokens_dir}" CACHE PATH
    "libcryptsetup's token plugin directory (crypt_token_external_path() of the installed library)")
