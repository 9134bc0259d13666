// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli/atomic-file.c where its first way fails:
 * - a hidden name that already exists (here every try picks the same one,
 *   see rand() and clock_gettime() below) is another writer's: the
 *   replacement fails with EEXIST and that file stays, untouched;
 * - without /proc mounted (a private mount namespace with an empty tmpfs
 *   over /proc) the unnamed file is linked with AT_EMPTY_PATH, and without
 *   CAP_DAC_READ_SEARCH too the named scheme is used: the replacement works
 *   and leaves nothing else. Skipped (77) where no mount namespace can be
 *   made; the collision part runs anyway.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "atomic-file.h"
#include "test.h"

#define SKIP 77

/*
 * The executable's definitions come before libc's for atomic-file.c (linked
 * in here): hidden_name() then picks the same name on every try.
 */
int rand(void)
{
	return 0;
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
	(void)clk;
	ts->tv_sec = 0;
	ts->tv_nsec = 0;
	return 0;
}

/* The name hidden_name() picks with rand() and the clock at 0. */
static void predicted_name(char *buf, size_t size, const char *name)
{
	static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned long long x = (unsigned long long)getpid() << 20;
	char suffix[7];
	int i;

	for (i = 0; i < 6; i++, x /= 62)
		suffix[i] = chars[x % 62];
	suffix[6] = '\0';
	snprintf(buf, size, ".%s.%s", name, suffix);
}

static const char *contents(int dfd, const char *name)
{
	static char buf[64];
	int fd = openat(dfd, name, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static int count_names(const char *dir)
{
	struct dirent **list;
	int i, n = scandir(dir, &list, NULL, NULL);

	for (i = 0; i < n; i++)
		free(list[i]);
	if (n >= 0)
		free(list);
	return n - 2;
}

static int put(int dfd, const char *name, const char *text)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ssize_t n = fd < 0 ? -1 : write(fd, text, strlen(text));

	if (fd < 0 || close(fd) < 0 || n != (ssize_t)strlen(text))
		return -1;
	return 0;
}

static void test_collision(void)
{
	char dir[] = "/tmp/test-atomic-file.XXXXXX", hidden[256];
	enum atomic_step step;
	int dfd, rc;

	T_EXPECT(mkdtemp(dir) != NULL);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	T_EXPECT(dfd >= 0);
	predicted_name(hidden, sizeof(hidden), "x.prom");
	T_EXPECT(put(dfd, "x.prom", "old\n") == 0);
	T_EXPECT(put(dfd, hidden, "another writer's\n") == 0);

	rc = atomic_replace(dfd, "x.prom", "new\n", 4, &step);
	T_EXPECTF(rc == -EEXIST, "collision: returned %d, not -EEXIST (did the name differ?)", rc);
	T_EXPECTF(strcmp(contents(dfd, hidden), "another writer's\n") == 0,
		  "another writer's file %s removed or changed", hidden);
	T_EXPECTF(strcmp(contents(dfd, "x.prom"), "old\n") == 0, "target changed");
	T_EXPECTF(count_names(dir) == 2, "%d names left", count_names(dir));

	unlinkat(dfd, hidden, 0);
	unlinkat(dfd, "x.prom", 0);
	close(dfd);
	rmdir(dir);
}

static int drop_dac_read_search(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	data[CAP_DAC_READ_SEARCH / 32].effective &= ~(1U << (CAP_DAC_READ_SEARCH % 32));
	return syscall(SYS_capset, &hdr, data) < 0 ? -errno : 0;
}

/* One replacement in a fresh directory: new data, nothing else left. */
static void replace_once(const char *what)
{
	char dir[] = "/tmp/test-atomic-file.XXXXXX";
	enum atomic_step step;
	int dfd, rc;

	T_EXPECT(mkdtemp(dir) != NULL);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	T_EXPECT(dfd >= 0 && put(dfd, "x.prom", "old\n") == 0);
	rc = atomic_replace(dfd, "x.prom", "new\n", 4, &step);
	T_EXPECTF(rc == 0, "%s: returned %d (step %d)", what, rc, (int)step);
	T_EXPECTF(strcmp(contents(dfd, "x.prom"), "new\n") == 0, "%s: '%s'", what,
		  contents(dfd, "x.prom"));
	T_EXPECTF(count_names(dir) == 1, "%s: %d names left", what, count_names(dir));
	unlinkat(dfd, "x.prom", 0);
	close(dfd);
	rmdir(dir);
}

/* In a child: its own mount namespace, /proc an empty tmpfs. */
static int test_no_proc(void)
{
	int status = 0;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("none", "/proc", "tmpfs", 0, NULL) < 0) {
			printf("test-atomic-file: SKIP no /proc: %s\n", strerror(errno));
			_exit(SKIP);
		}
		T_EXPECTF(access("/proc/self/fd", F_OK) < 0, "/proc still there");
		replace_once("no /proc");
		T_EXPECT(drop_dac_read_search() == 0);
		replace_once("no /proc, no CAP_DAC_READ_SEARCH");
		_exit(t_failures ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -ECHILD;
	return WEXITSTATUS(status);
}

int main(void)
{
	int rc;

	test_collision();
	replace_once("with /proc");
	rc = test_no_proc();
	T_EXPECTF(rc == 0 || rc == SKIP, "no /proc child: %d", rc);
	rc = t_report("test-atomic-file");
	return rc ? rc : 0;
}
