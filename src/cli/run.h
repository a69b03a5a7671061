/* Running the system's tools (mkfs.ext4, mount, umount) as child processes: execve with a fixed
 * argv and a fixed environment, no shell, nothing secret passed. */
#pragma once

/* argv[0] is a program name looked up in /usr/sbin, /sbin, /usr/bin, /bin. Its stdout goes to
 * our stderr (stdout is kept for data), stdin is /dev/null. Returns its exit status (0..255),
 * -ENOENT when the program is not installed, or another negative errno. */
int cli_run(const char *const *argv);

/* True when the program is installed (for refusing early). */
int cli_find_program(const char *name, char *buf, unsigned len);
