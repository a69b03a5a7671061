/* ykunlock plug-event add|remove [--config FILE] [--wait S]: what ykunlock-plug@.service and
 * ykunlock-unplug@.service run when udev sees a token arrive or leave (docs/plug-in.md). One
 * line per configured vault on stderr (the journal): what was done, or why not. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/exit-code.h"
#include "cli/table.h"
#include "cli/mount-holders.h"
#include "cli/plug-common.h"
#include "cli/plug-open.h"
#include "cli/run.h"
#include "cli/vault-common.h"
#include "shared/deadline.h"
#include "shared/errors.h"
#include "shared/macros.h"
#include "shared/parse.h"

#define PLUG_LOCK_DIR  "/run/ykunlock"
#define PLUG_LOCK_FILE PLUG_LOCK_DIR "/plug.lock"
#define PLUG_DEFAULT_WAIT_S 10

struct plug_args {
        const char *config;
        unsigned wait_s;
};

static int on_option(int id, const char *arg, void *userdata) {
        struct plug_args *a = userdata;
        uint64_t v;
        if (id == CLI_OPT_CONFIG)
                a->config = arg;
        else if (id == CLI_OPT_WAIT) {
                if (parse_uint64(arg, 600, &v) < 0)
                        return cli_usage_error("--wait takes seconds from 0 to 600, not '%s'", arg);
                a->wait_s = (unsigned) v;
        }
        return EXIT_OK;
}

/* Two events (two keys, or an add racing a remove) are handled one after the other. */
static int take_lock(void) {
        (void) mkdir(PLUG_LOCK_DIR, 0700);
        int fd = open(PLUG_LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0 || flock(fd, LOCK_EX) < 0) {
                cli_info("cannot lock %s: %m; going on without", PLUG_LOCK_FILE);
                return fd;
        }
        return fd;
}

static bool any_usable(const struct yk_token_list *l) {
        for (size_t i = 0; i < l->n; i++)
                if (l->items[i].error == 0)
                        return true;
        return false;
}

/* The tokens present; on insertion, wait up to wait_s for the first one (udev sees the USB
 * device before the hidraw node or pcscd's reader exists). */
static void discover(const struct cli_global *g, unsigned wait_s, struct yk_token_list *ret) {
        struct yk_token_filter filter = { .reader = g->reader, .serial_set = g->serial_set, .serial = g->serial };
        const struct yk_deadline dl = yk_deadline_in((uint64_t) wait_s * 1000);
        for (;;) {
                struct yk_token_list l = {};
                int r = yk_tokens_discover(g->backends, &filter, &dl, &l);
                if (r >= 0 && any_usable(&l)) {
                        *ret = l;
                        return;
                }
                yk_token_list_free(&l);
                if (yk_deadline_passed(&dl)) {
                        *ret = (struct yk_token_list) {};
                        return;
                }
                usleep(200 * 1000);
        }
}

/* A closed vault with a present enrolled token: its volume key from the token, into *job; the
 * table and the mount come after, for all the vaults at once (plug_open_all). */
static int prepare_one(const struct cli_global *g, const struct plug_vault *v, const struct yk_token_list *present,
                       struct vault_response_cache *cache, struct plug_open *job) {
        const struct vault_config *c = v->config;
        struct vault_location loc = { .device = v->device, .header = c->header };
        struct vault_tokens_ctx ctx = cli_tokens_ctx(g, /* with_serial= */ false, /* touch= */ true);
        ctx.responses = cache;
        ctx.present = present;
        ctx.filter.serial_set = v->can_open->serial_known;
        ctx.filter.serial = v->can_open->serial;
        struct vault_open_params p = { .name = c->name, .readonly = c->readonly };
        struct vault_open_result res;
        int r = vault_open_prepare(&loc, &ctx, &p, &job->prep, &res);
        if (r == -ENOANO)
                return cli_error(r, "%s: not opened: its token needs a PIN (ykunlock open %s %s)", c->name,
                                 v->device, c->name);
        if (r < 0)
                return cli_error(r, "%s: not opened: %s", c->name, plug_strerror(r));
        job->serial = res.serial;
        return EXIT_OK;
}

/* `cache`: the responses of this event, so that a group of vaults asks the key (a touch) once. */
static int add_one(const struct cli_global *g, const struct plug_vault *v, const struct yk_token_list *present,
                   struct vault_response_cache *cache, struct plug_open *job) {
        const struct vault_config *c = v->config;
        if (c->noauto) {
                cli_info("%s: left alone (noauto)", c->name);
                return EXIT_OK;
        }
        if (v->state == VAULT_STATE_OPEN) {
                cli_info("%s: open already", c->name);
                return EXIT_OK;
        }
        if (v->error == -ENOENT) { /* a device not attached now: a configuration matter */
                cli_info("%s: not opened: %s: %s", c->name, v->device, plug_strerror(v->error));
                return EXIT_USAGE;
        }
        if (v->error)
                return cli_error(v->error, "%s: not opened: %s: %s", c->name, v->device,
                                 plug_strerror(v->error));
        if (!v->can_open) {
                cli_info("%s: %s: no token enrolled in it is present", c->name,
                         v->state == VAULT_STATE_SUSPENDED ? "stays suspended" : "not opened");
                return EXIT_OK;
        }
        if (v->state == VAULT_STATE_CLOSED)
                return prepare_one(g, v, present, cache, job);
        struct vault_tokens_ctx ctx = cli_tokens_ctx(g, false, true);
        ctx.responses = cache;
        ctx.present = present;
        int r = vault_resume(c->name, c->header, &ctx, NULL);
        if (r < 0)
                return cli_error(r, "%s: stays suspended: %s", c->name, plug_strerror(r));
        cli_info("%s: resumed", c->name);
        return EXIT_OK;
}

/* on-remove=close: unmount (a busy mount is reported with its holders), then close. */
static int close_one(const struct vault_config *c) {
        char dev[300];
        if (cli_mapper_path(c->name, dev, sizeof(dev)) < 0)
                return EXIT_USAGE;
        if (mount_is_mounted(dev)) {
                const char *argv[] = { "umount", "--all-targets", "--", dev, NULL };
                int r = cli_run(argv);
                if (r != 0) {
                        char who[512];
                        size_t n = c->mountpoint ? mount_holders(c->mountpoint, who, sizeof(who)) : 0;
                        return cli_error(-EBUSY, "%s: stays open: %s is busy%s%s", c->name,
                                         c->mountpoint ? c->mountpoint : dev, n ? ", held by processes " : "",
                                         n ? who : "");
                }
        }
        int r = vault_close(c->name);
        if (r < 0)
                return cli_error(r, "%s: stays open: %s", c->name, plug_strerror(r));
        cli_info("%s: closed", c->name);
        return EXIT_OK;
}

static int remove_one(const struct plug_vault *v) {
        const struct vault_config *c = v->config;
        if (c->on_remove == VAULT_ON_REMOVE_NOTHING || v->state == VAULT_STATE_CLOSED)
                return EXIT_OK;
        if (v->state == VAULT_STATE_SUSPENDED) {
                cli_info("%s: suspended already", c->name);
                return EXIT_OK;
        }
        if (v->can_open) {
                cli_info("%s: stays open: a token enrolled in it (%u) is still present", c->name, v->can_open->serial);
                return EXIT_OK;
        }
        if (c->on_remove == VAULT_ON_REMOVE_CLOSE)
                return close_one(c);
        int r = vault_suspend(c->name);
        if (r < 0)
                return cli_error(r, "%s: stays open: cannot suspend: %s", c->name, plug_strerror(r));
        cli_info("%s: suspended", c->name);
        return EXIT_OK;
}

static int run_remove(const struct vault_registry *reg, const struct yk_token_list *present) {
        int first_failure = EXIT_OK;
        for (size_t i = 0; i < reg->n_vaults; i++) {
                struct plug_vault v;
                plug_vault_inspect(&reg->vaults[i], present, &v);
                int c = remove_one(&v);
                if (first_failure == EXIT_OK)
                        first_failure = c;
                plug_vault_clear(&v);
        }
        return first_failure;
}

/* Each vault in turn as far as the token goes, then every table and mount at once. The exit
 * code is the first failure in the file's order, as when each vault was done in turn. */
static int run_add(const struct cli_global *g, const struct vault_registry *reg, const struct yk_token_list *present) {
        /* One event, one process: a response asked once serves every vault of its group, and
         * is wiped when the event ends. Without the cache each vault asks the key itself. */
        _cleanup_(vault_response_cache_freep) struct vault_response_cache *cache = NULL;
        if (vault_response_cache_new(&cache) < 0)
                cli_info("no memory for the response cache: each vault asks the key itself");
        _cleanup_(freep) struct plug_open *jobs = calloc(reg->n_vaults, sizeof(*jobs));
        if (!jobs)
                return cli_error(-ENOMEM, "no memory for %zu vaults", reg->n_vaults);
        for (size_t i = 0; i < reg->n_vaults; i++) {
                struct plug_vault v;
                plug_vault_inspect(&reg->vaults[i], present, &v);
                jobs[i].config = &reg->vaults[i];
                jobs[i].code = add_one(g, &v, present, cache, &jobs[i]);
                plug_vault_clear(&v);
        }
        plug_open_all(jobs, reg->n_vaults);
        for (size_t i = 0; i < reg->n_vaults; i++)
                if (jobs[i].code != EXIT_OK)
                        return jobs[i].code;
        return EXIT_OK;
}

static int run_event(const struct cli_global *g, const struct plug_args *a, bool add) {
        _cleanup_(closep) int lock = take_lock();
        (void) lock; /* held until the event ends; clang counts the cleanup as no use */
        _cleanup_(vault_registry_free) struct vault_registry reg = {};
        int code = plug_load_config(a->config, &reg);
        if (code != EXIT_OK || reg.n_vaults == 0)
                return code;
        /* One discovery for the whole event: every vault is matched against these tokens. */
        _cleanup_(yk_token_list_free) struct yk_token_list present = {};
        discover(g, add ? a->wait_s : 0, &present);
        return add ? run_add(g, &reg, &present) : run_remove(&reg, &present);
}

int verb_plug_event(int argc, char **argv, struct cli_global *g) {
        struct plug_args a = { .wait_s = PLUG_DEFAULT_WAIT_S };
        int first;
        bool done;
        int code = cli_parse_options(argc, argv, g, on_option, &a, &first, &done);
        if (code != EXIT_OK || done)
                return code;
        if (strcmp(argv[first], "add") != 0 && strcmp(argv[first], "remove") != 0)
                return cli_usage_error("plug-event takes add or remove (see ykunlock plug-event --help)");
        if (geteuid() != 0)
                return cli_error(-YK_ERR_NEEDS_ROOT, "plug-event opens and closes vaults: it needs root");
        cli_vault_verbose(g);
        return run_event(g, &a, strcmp(argv[first], "add") == 0);
}
