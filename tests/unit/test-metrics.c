// SPDX-License-Identifier: GPL-2.0-only
/*
 * vpmemctl metrics' exposition format (cli/metrics-expo.c): label escaping,
 * invalid UTF-8, exact seconds, duplicate series, grouping by family.
 * "test-metrics all" prints one sample of every family of vpmemctl metrics
 * with hostile label values, for test-metrics-promtool.sh to give to the
 * real promtool. And --output's atomic replacement (cli/atomic-file.c):
 * a writer killed in the middle of its write leaves the old file and
 * nothing else.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "metrics.h"
#include "test.h"

static const char *esc(const char *in)
{
	static char buf[256];

	prom_escape_label(buf, sizeof(buf), in);
	return buf;
}

static void test_escape(void)
{
	char small[5];

	T_EXPECT(strcmp(esc("/mnt/pmem0"), "/mnt/pmem0") == 0);
	T_EXPECT(strcmp(esc("a\\b"), "a\\\\b") == 0);
	T_EXPECT(strcmp(esc("say \"hi\""), "say \\\"hi\\\"") == 0);
	T_EXPECT(strcmp(esc("two\nlines"), "two\\nlines") == 0);
	/* Valid UTF-8 passes as it is; tabs too (any UTF-8 is allowed). */
	T_EXPECT(strcmp(esc("caf\xc3\xa9\t\xf0\x9f\x92\xbe"), "caf\xc3\xa9\t\xf0\x9f\x92\xbe") == 0);
	/* Invalid: a lone continuation byte, a truncated sequence, overlong, surrogate. */
	T_EXPECTF(strcmp(esc("a\xff" "b"), "a\\\\xffb") == 0, "%s", esc("a\xff" "b"));
	T_EXPECT(strcmp(esc("\xc3"), "\\\\xc3") == 0);
	T_EXPECT(strcmp(esc("\xc0\xaf"), "\\\\xc0\\\\xaf") == 0);
	T_EXPECT(strcmp(esc("\xed\xa0\x80"), "\\\\xed\\\\xa0\\\\x80") == 0);
	/* Truncation as snprintf: the needed length, a terminated prefix. */
	T_EXPECT(prom_escape_label(small, sizeof(small), "ab\"cd") == 6);
	T_EXPECT(strcmp(small, "ab\\\"") == 0);
	T_EXPECT(prom_escape_label(NULL, 0, "x\n") == 3);
}

static void test_seconds(void)
{
	char buf[48];

	prom_ns_to_seconds(buf, sizeof(buf), 0);
	T_EXPECT(strcmp(buf, "0.000000000") == 0);
	prom_ns_to_seconds(buf, sizeof(buf), 1234567);
	T_EXPECT(strcmp(buf, "0.001234567") == 0);
	prom_ns_to_seconds(buf, sizeof(buf), 18446744073709551615ULL);
	T_EXPECT(strcmp(buf, "18446744073.709551615") == 0);
}

static const struct prom_family fams[] = {
	{ "t_a", PROM_GAUGE, "first\\family\nhelp" },
	{ "t_b_total", PROM_COUNTER, "second" },
	{ "t_unused", PROM_GAUGE, "never sampled" },
};

static void test_render(void)
{
	char *buf = NULL;
	size_t size = 0;
	struct prom p;
	FILE *f;

	prom_init(&p, fams, 3);
	T_EXPECT(prom_add_u64(&p, 1, 5, "region", "region0", NULL) == 0);
	T_EXPECT(prom_add(&p, 0, "1", NULL) == 0);
	T_EXPECT(prom_add_u64(&p, 1, 7, "region", "region1", NULL) == 0);
	T_EXPECT(prom_add_u64(&p, 1, 9, "region", "region0", NULL) == -EEXIST);
	T_EXPECT(prom_add(&p, 0, "2", "mountpoint", "/mnt/\"x\"", "hazard", NULL, NULL) == 0);
	T_EXPECT(prom_add(&p, 7, "1", NULL) == -EINVAL);
	f = open_memstream(&buf, &size);
	T_EXPECT(prom_render(&p, f) == 0);
	fclose(f);
	T_EXPECTF(strcmp(buf, "# HELP t_a first\\\\family\\nhelp\n"
			      "# TYPE t_a gauge\n"
			      "t_a 1\n"
			      "t_a{mountpoint=\"/mnt/\\\"x\\\"\",hazard=\"\"} 2\n"
			      "# HELP t_b_total second\n"
			      "# TYPE t_b_total counter\n"
			      "t_b_total{region=\"region0\"} 5\n"
			      "t_b_total{region=\"region1\"} 7\n") == 0,
		  "got:\n%s", buf);
	free(buf);
	prom_release(&p);
}

/* The names in @dir, sorted, joined by spaces (dot files too). */
static const char *names_in(const char *dir)
{
	static char buf[1024];
	struct dirent **list;
	int i, n = scandir(dir, &list, NULL, alphasort);

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (strcmp(list[i]->d_name, ".") && strcmp(list[i]->d_name, "..")) {
			if (buf[0])
				strncat(buf, " ", sizeof(buf) - strlen(buf) - 1);
			strncat(buf, list[i]->d_name, sizeof(buf) - strlen(buf) - 1);
		}
		free(list[i]);
	}
	if (n >= 0)
		free(list);
	return buf;
}

static const char *contents(const char *path)
{
	static char buf[64];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

/*
 * A writer killed in the middle of writing the new file (here by SIGXFSZ:
 * a file size limit far below the data, so the kill is certain and comes
 * inside write()) leaves the old file and no temporary file: the new data
 * had no name yet (O_TMPFILE).
 */
static void test_atomic_killed(void)
{
	char dir[] = "/tmp/test-metrics-atomic.XXXXXX", path[64];
	size_t len = 1 << 20;
	char *big = malloc(len);
	int status = 0, fd;
	pid_t pid;

	T_EXPECT(big && mkdtemp(dir));
	if (!big || !dir[0])
		return;
	memset(big, '#', len);
	snprintf(path, sizeof(path), "%s/" METRICS_FILE, dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	T_EXPECT(fd >= 0 && write(fd, "old\n", 4) == 4 && close(fd) == 0);

	/* A replacement that works: the new data, nothing else. */
	T_EXPECT(metrics_write_atomic(dir, METRICS_FILE, "new\n", 4) == 0);
	T_EXPECTF(strcmp(contents(path), "new\n") == 0, "%s", contents(path));
	T_EXPECTF(strcmp(names_in(dir), METRICS_FILE) == 0, "left: %s", names_in(dir));

	pid = fork();
	T_EXPECT(pid >= 0);
	if (pid == 0) {
		struct rlimit fsize = { 4096, 4096 }, core = { 0, 0 };

		setrlimit(RLIMIT_CORE, &core);
		setrlimit(RLIMIT_FSIZE, &fsize);
		metrics_write_atomic(dir, METRICS_FILE, big, len);
		_exit(0);
	}
	T_EXPECT(pid > 0 && waitpid(pid, &status, 0) == pid);
	T_EXPECTF(WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ,
		  "the writer was not killed mid-write: status %#x", status);
	T_EXPECTF(strcmp(contents(path), "new\n") == 0, "old file changed: %s", contents(path));
	T_EXPECTF(strcmp(names_in(dir), METRICS_FILE) == 0, "a killed writer left: %s",
		  names_in(dir));

	unlink(path);
	rmdir(dir);
	free(big);
}

/* One sample of every family, labels as vpmemctl would give them, values hostile. */
static int print_all(void)
{
	struct prom p;
	unsigned int f;
	int rc;

	prom_init(&p, metrics_families, metrics_nfamilies);
	for (f = 0; f < metrics_nfamilies; f++) {
		prom_add(&p, f, "1", "region", "region0", "mountpoint", "/mnt/a \"b\"\\c\nd\xff",
			 NULL);
		prom_add(&p, f, "0.000001234", "region", "region1", "hazard", "nobarrier-on-buffered",
			 NULL);
	}
	rc = prom_render(&p, stdout);
	prom_release(&p);
	return rc < 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "all") == 0)
		return print_all();
	test_escape();
	test_seconds();
	test_render();
	test_atomic_killed();
	return t_report("test-metrics");
}
