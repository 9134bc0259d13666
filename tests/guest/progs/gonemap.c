// SPDX-License-Identifier: GPL-2.0-only
/*
 * gonemap: a live libpmemflush map whose region goes away (issue 13.5).
 *
 *   gonemap PATH FLAG
 *
 * Maps PATH (a file, created with 4 MiB if missing, or device dax), stores
 * and persists once, creates FLAG.ready, waits (120 s at most) until FLAG
 * exists (the case removes the region meanwhile), then persists again
 * without a new store (a store could fault), persists once more (the
 * error must be sticky), clears the error and persists again (the error
 * must come back: a cleared error is no durable region), tries one store (a fault is caught and said),
 * unmaps and counts its descriptors and mappings again. Prints one line:
 *
 *   first=RC after=RC errno=NAME again=RC cleared=RC retry=RC store=ok|sigbus unmapped=1
 *   fds_before=N fds_after=M mapped_after=0|1 msg=MESSAGE
 *
 * RC is persist's return value (0 or a negative errno). A SIGBUS inside
 * pmemflush_persist() itself (a cache flush of a page the kernel took
 * away) is said as after=sigbus. Exit status: 0 when the line was
 * printed, else the errno of the map.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pmemflush.h>

static sigjmp_buf jump;
static volatile sig_atomic_t armed;

static void on_sigbus(int sig)
{
	(void)sig;
	if (armed)
		siglongjmp(jump, 1);
	_exit(128 + SIGBUS);
}

/* Open descriptors of this process, the one reading /proc/self/fd excluded. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d))
			n++;
	closedir(d);
	return n;
}

/* Whether /proc/self/maps still names @path (or its device node). */
static int still_mapped(const char *path)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[4096];
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, path))
			found = 1;
	fclose(f);
	return found;
}

static const char *errname(int rc)
{
	switch (-rc) {
	case 0: return "0";
	case EIO: return "EIO";
	case ENODEV: return "ENODEV";
	case ENXIO: return "ENXIO";
	case ENOENT: return "ENOENT";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EROFS: return "EROFS";
	case EACCES: return "EACCES";
	case EBADF: return "EBADF";
	default: return "other";
	}
}

int main(int argc, char **argv)
{
	struct pmemflush_ctx *ctx = NULL;
	struct pmemflush_map *m = NULL;
	struct sigaction sa = { .sa_handler = on_sigbus };
	char ready[4096], msg[1024] = "", after_s[32];
	volatile int after = 0, again = 0, cleared = 1, retry = 1, store_ok = 0;
	int fds_before, first, rc, i;
	struct stat st;
	char *p;

	if (argc != 3) {
		fprintf(stderr, "usage: gonemap PATH FLAG\n");
		return 2;
	}
	sigaction(SIGBUS, &sa, NULL);
	fds_before = count_fds();
	if (pmemflush_new(&ctx) < 0)
		return ENOMEM;
	rc = pmemflush_map_file(ctx, argv[1], 0, 0, &m);
	if (rc == -EINVAL || rc == -ENOENT)
		rc = pmemflush_map_file(ctx, argv[1], 4 << 20, PMEMFLUSH_MAP_CREATE, &m);
	if (rc < 0) {
		fprintf(stderr, "gonemap: %s: %s\n", strerror(-rc), pmemflush_errormsg());
		pmemflush_unref(ctx);
		return -rc;
	}
	p = pmemflush_map_get_addr(m);
	strcpy(p + 4096, "written before the region went away");
	first = pmemflush_persist(m, p + 4096, 64);
	snprintf(ready, sizeof(ready), "%s.ready", argv[2]);
	close(open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	for (i = 0; i < 12000 && stat(argv[2], &st) < 0; i++)
		usleep(10000);

	armed = 1;
	if (sigsetjmp(jump, 1) == 0) {
		after = pmemflush_persist(m, p + 4096, 64);
		snprintf(after_s, sizeof(after_s), "%d", after);
		snprintf(msg, sizeof(msg), "%s", pmemflush_errormsg());
		again = pmemflush_persist(m, p + 4096, 64);
		cleared = pmemflush_map_clear_error(m);
		retry = pmemflush_persist(m, p + 4096, 64);
	} else {
		after = 1;
		snprintf(after_s, sizeof(after_s), "sigbus");
	}
	if (sigsetjmp(jump, 1) == 0) {
		p[8192] = 'x';
		store_ok = 1;
	}
	armed = 0;
	pmemflush_unmap(m);
	pmemflush_unref(ctx);
	printf("first=%d after=%s errno=%s again=%d cleared=%d retry=%d store=%s unmapped=1 fds_before=%d "
	       "fds_after=%d mapped_after=%d msg=%s\n",
	       first, after_s, after == 1 ? "sigbus" : errname(after), again, cleared, retry,
	       store_ok ? "ok" : "sigbus", fds_before, count_fds(), still_mapped(argv[1]), msg);
	return 0;
}
