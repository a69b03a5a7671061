/* Mounts and their holders (mount-holders.h), read from /proc. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/mount-holders.h"
#include "shared/macros.h"

bool mount_is_mounted(const char *dev) {
        FILE *f = fopen("/proc/self/mounts", "re");
        if (!f)
                return false;
        char line[4096];
        size_t len = strlen(dev);
        bool found = false;
        while (!found && fgets(line, sizeof(line), f))
                found = strncmp(line, dev, len) == 0 && line[len] == ' ';
        fclose(f);
        return found;
}

static bool under(const char *path, const char *dir) {
        size_t n = strlen(dir);
        return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/' || (n == 1 && dir[0] == '/'));
}

static bool link_under(const char *link, const char *dir) {
        char target[PATH_MAX];
        ssize_t n = readlink(link, target, sizeof(target) - 1);
        if (n <= 0)
                return false;
        target[n] = '\0';
        return under(target, dir);
}

static bool fds_under(const char *pid, const char *dir) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%s/fd", pid);
        DIR *d = opendir(path);
        if (!d)
                return false;
        bool found = false;
        for (struct dirent *e; !found && (e = readdir(d));) {
                char link[300];
                if (e->d_name[0] == '.')
                        continue;
                snprintf(link, sizeof(link), "/proc/%s/fd/%s", pid, e->d_name);
                found = link_under(link, dir);
        }
        closedir(d);
        return found;
}

static bool maps_under(const char *pid, const char *dir) {
        char path[64], line[PATH_MAX + 128];
        snprintf(path, sizeof(path), "/proc/%s/maps", pid);
        FILE *f = fopen(path, "re");
        if (!f)
                return false;
        bool found = false;
        while (!found && fgets(line, sizeof(line), f)) {
                char *p = strchr(line, '/');
                if (p) {
                        p[strcspn(p, "\n")] = '\0';
                        found = under(p, dir);
                }
        }
        fclose(f);
        return found;
}

static bool holds(const char *pid, const char *dir) {
        static const char *const links[] = { "cwd", "root", "exe" };
        for (size_t i = 0; i < ELEMENTSOF(links); i++) {
                char link[64];
                snprintf(link, sizeof(link), "/proc/%s/%s", pid, links[i]);
                if (link_under(link, dir))
                        return true;
        }
        return fds_under(pid, dir) || maps_under(pid, dir);
}

static void comm_of(const char *pid, char *buf, size_t len) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%s/comm", pid);
        FILE *f = fopen(path, "re");
        buf[0] = '\0';
        if (f) {
                if (fgets(buf, (int) len, f))
                        buf[strcspn(buf, "\n")] = '\0';
                fclose(f);
        }
}

size_t mount_holders(const char *dir, char *buf, size_t len) {
        DIR *d = opendir("/proc");
        size_t n = 0, used = 0;
        buf[0] = '\0';
        if (!d)
                return 0;
        for (struct dirent *e; (e = readdir(d));) {
                if (strspn(e->d_name, "0123456789") != strlen(e->d_name) || !holds(e->d_name, dir))
                        continue;
                char comm[32], item[320];
                comm_of(e->d_name, comm, sizeof(comm));
                int k = snprintf(item, sizeof(item), "%s%s (%s)", n ? ", " : "", e->d_name, comm);
                n++;
                if (used + (size_t) k + 4 < len) {
                        memcpy(buf + used, item, (size_t) k + 1);
                        used += (size_t) k;
                } else if (used + 4 <= len && !strstr(buf, "...")) {
                        memcpy(buf + used, "...", 4);
                        used += 3;
                }
        }
        closedir(d);
        return n;
}
