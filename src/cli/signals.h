/* SIGINT, SIGTERM and SIGHUP while a command has something to undo (a half-written image, a
 * terminal with echo off): caught inside a window, remembered, and re-raised by main() after the
 * cleanup, so that the shell sees 128+n as for any program. Outside a window they act as usual. */
#pragma once

#include <stdbool.h>

/* Opens a window (windows nest). Blocking calls inside it return EINTR when a signal comes. */
void cli_signals_catch(void);
/* Closes the window opened last; the signal caught stays remembered. */
void cli_signals_release(void);
/* The signal caught in a window, or 0. */
int cli_signal_caught(void);
/* Remembers sig as if caught (e.g. SIGPIPE, ignored so that a write fails with EPIPE). */
void cli_signal_note(int sig);
/* If a signal was caught: restores its default action and raises it. Returns if none was. */
void cli_signals_reraise(void);
