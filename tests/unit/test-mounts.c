// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A mount table that cannot be read whole is an error of discovery and of
 * the path check, never "no mounts, so no nobarrier hazard". The table is
 * replaced in a private mount namespace (a tmpfs over /proc holding only
 * self/mountinfo): missing, empty, a line that does not parse (first,
 * middle, last), another format; then the real table again, which works.
 * Needs a mount namespace (root, or an unprivileged user namespace):
 * skipped (77) where neither is allowed.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pmemflush.h>

#include "test.h"

#define SKIP 77

static char real_table[1 << 16];

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return -errno;
	rc = fputs(text, f) < 0 ? -EIO : 0;
	if (fclose(f) != 0 && !rc)
		rc = -errno;
	return rc;
}

/* A mount namespace of our own; root needs no user namespace. */
static int private_mounts(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (uid != 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
			return -errno;
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
		if (write_file("/proc/self/uid_map", map) < 0 ||
		    write_file("/proc/self/setgroups", "deny") < 0)
			return -EPERM;
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
		if (write_file("/proc/self/gid_map", map) < 0)
			return -EPERM;
	} else if (unshare(CLONE_NEWNS) < 0) {
		return -errno;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	return 0;
}

/* Discovery and a path check with /proc/self/mountinfo holding @text (NULL: absent). */
static void expect_failure(const char *what, const char *text)
{
	struct pmemflush_check *check = NULL;
	struct pmemflush_ctx *ctx;
	int rc;

	unlink("/proc/self/mountinfo");
	if (text)
		T_EXPECTF(write_file("/proc/self/mountinfo", text) == 0, "%s: cannot write", what);
	T_EXPECT(pmemflush_new(&ctx) == 0);
	rc = pmemflush_discover(ctx);
	T_EXPECTF(rc < 0, "%s: discovery returned %d", what, rc);
	T_EXPECTF(strstr(pmemflush_errormsg(), "mountinfo") != NULL, "%s: message '%s'", what,
		  pmemflush_errormsg());
	T_EXPECTF(pmemflush_region_get_first(ctx) == NULL, "%s: a region", what);
	rc = pmemflush_path_check(ctx, "/", &check);
	T_EXPECTF(rc < 0 && check == NULL, "%s: path check returned %d", what, rc);
	pmemflush_check_unref(check);
	pmemflush_unref(ctx);
}

int main(void)
{
	struct pmemflush_check *check = NULL;
	struct pmemflush_ctx *ctx;
	char bad[sizeof(real_table) + 64];
	const char *second;
	ssize_t n;
	int fd, rc;

	fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, real_table, sizeof(real_table) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0 || (size_t)n == sizeof(real_table) - 1) {
		printf("test-mounts: cannot read this machine's mount table whole\n");
		return 1;
	}
	real_table[n] = '\0';
	second = strchr(real_table, '\n');
	if (!second || !second[1]) {
		printf("test-mounts: need a mount table of two lines at least\n");
		return 1;
	}
	second++;

	rc = private_mounts();
	if (rc < 0) {
		printf("test-mounts: SKIP: no private mount namespace here: %s\n", strerror(-rc));
		return SKIP;
	}
	if (mount("none", "/proc", "tmpfs", 0, NULL) < 0 || mkdir("/proc/self", 0755) < 0) {
		printf("test-mounts: SKIP: cannot put a tmpfs over /proc: %s\n", strerror(errno));
		return SKIP;
	}

	expect_failure("missing", NULL);
	expect_failure("empty", "");
	snprintf(bad, sizeof(bad), "garbage\n%s", real_table);
	expect_failure("first line garbage", bad);
	snprintf(bad, sizeof(bad), "%.*s99 1 254:1 / /x rw shared:1 - ext4\n%s",
		 (int)(second - real_table), real_table, second);
	expect_failure("second line cut short", bad);
	snprintf(bad, sizeof(bad), "%s99 garbage\n", real_table);
	expect_failure("last line garbage", bad);
	expect_failure("fstab format", "/dev/vda1 / ext4 rw 0 0\n");

	/* The same table whole: the failures above were the table's. */
	T_EXPECT(write_file("/proc/self/mountinfo", real_table) == 0);
	T_EXPECT(pmemflush_new(&ctx) == 0);
	rc = pmemflush_discover(ctx);
	T_EXPECTF(rc == 0, "real table: discovery returned %d: %s", rc, pmemflush_errormsg());
	rc = pmemflush_path_check(ctx, "/", &check);
	T_EXPECTF(rc == 0, "real table: path check returned %d: %s", rc, pmemflush_errormsg());
	pmemflush_check_unref(check);
	pmemflush_unref(ctx);

	/* The real /proc again (LeakSanitizer reads it at exit). */
	T_EXPECT(umount2("/proc", MNT_DETACH) == 0);
	return t_report("test-mounts");
}
