/* Bounding a call that may block for good (pcsc-lite waits without a timeout while another
 * client holds a transaction on the card). */
#pragma once

/* Runs work(arg) in a helper thread and waits at most `ms` milliseconds for it. Returns what
 * work returned, or -ETIMEDOUT when it was not done in time: the helper then goes on alone and,
 * once work returns, calls abandon(arg, result), which must undo whatever work made and free
 * arg; the caller must not touch arg any more. When no thread can be started, work runs in
 * the calling thread, without a bound. work itself should not return -ETIMEDOUT. */
int yk_run_with_deadline(int (*work)(void *arg), void (*abandon)(void *arg, int result), void *arg, long ms);
