// SPDX-License-Identifier: GPL-2.0-only
/*
 * vpmemctl flush without pmem: the target name parser, the names of the
 * enums, the result rows' JSON, table and exit status (cli/flush-fmt.c),
 * and the library's resolve and flush on what a host without pmem has:
 * a file (fsync reaches its disk), tmpfs (no path), missing targets, the
 * file flushed being the one resolved, the most severe of several failures.
 * usage: test-flush DIR (a directory on a disk, not tmpfs)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <pmemflush.h>

#include "builtin.h"
#include "flush-fmt.h"
#include "target.h"
#include "test.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

static void expect_parse(const char *name, enum pmemflush_target_kind kind, unsigned int a,
			 unsigned int b)
{
	unsigned int ga = 777, gb = 777;
	enum pmemflush_target_kind got = pf_target_parse(name, &ga, &gb);

	T_EXPECTF(got == kind, "'%s': kind %d, want %d", name, got, kind);
	T_EXPECTF(pmemflush_target_classify(name) == kind, "'%s': classify", name);
	if (kind == PMEMFLUSH_TARGET_PATH)
		return;
	T_EXPECTF(ga == a, "'%s': first number %u, want %u", name, ga, a);
	if (kind == PMEMFLUSH_TARGET_NAMESPACE)
		T_EXPECTF(gb == b, "'%s': second number %u, want %u", name, gb, b);
}

static void test_parse(void)
{
	expect_parse("region0", PMEMFLUSH_TARGET_REGION, 0, 0);
	expect_parse("region12", PMEMFLUSH_TARGET_REGION, 12, 0);
	expect_parse("0", PMEMFLUSH_TARGET_REGION, 0, 0);
	expect_parse("7", PMEMFLUSH_TARGET_REGION, 7, 0);
	expect_parse("namespace0.0", PMEMFLUSH_TARGET_NAMESPACE, 0, 0);
	expect_parse("namespace3.12", PMEMFLUSH_TARGET_NAMESPACE, 3, 12);
	expect_parse("ndbus0", PMEMFLUSH_TARGET_BUS, 0, 0);
	expect_parse("ndbus15", PMEMFLUSH_TARGET_BUS, 15, 0);
	/* Anything else is a path: files may be called almost anything. */
	expect_parse("/dev/pmem0", PMEMFLUSH_TARGET_PATH, 0, 0);
	expect_parse("./region0", PMEMFLUSH_TARGET_PATH, 0, 0);
	expect_parse("region", PMEMFLUSH_TARGET_PATH, 0, 0);
	expect_parse("region0a", PMEMFLUSH_TARGET_PATH, 0, 0);
	expect_parse("region-1", PMEMFLUSH_TARGET_PATH, 0, 0);
	expect_parse("region+1", PMEMFLUSH_TARGET_PATH, 0, 0);
	expect_parse("region01", PMEMFLUSH_TARGET_PATH, 0, 0);
	expect_parse("01", PMEMFLUSH_TARGET_PATH, 0, 0);
	expect_parse("-1", PMEMFLUSH_TARGET_PATH, 0, 0);
	expect_parse("1.5", PMEMFLUSH_TARGET_PATH, 0, 0);
	expect_parse("9999999999", PMEMFLUSH_TARGET_PATH, 0, 0);
	expect_parse("namespace0", PMEMFLUSH_TARGET_PATH, 0, 0);
	expect_parse("namespace0.", PMEMFLUSH_TARGET_PATH, 0, 0);
	expect_parse("namespace.0", PMEMFLUSH_TARGET_PATH, 0, 0);
	expect_parse("namespace0.0.0", PMEMFLUSH_TARGET_PATH, 0, 0);
	expect_parse("namespace0.x", PMEMFLUSH_TARGET_PATH, 0, 0);
	expect_parse("ndbus", PMEMFLUSH_TARGET_PATH, 0, 0);
	expect_parse("ndbus0/", PMEMFLUSH_TARGET_PATH, 0, 0);
	expect_parse("dax0.0", PMEMFLUSH_TARGET_PATH, 0, 0);
	expect_parse("pmem0", PMEMFLUSH_TARGET_PATH, 0, 0);
	expect_parse("", PMEMFLUSH_TARGET_PATH, 0, 0);
	T_EXPECT(pmemflush_target_classify(NULL) == PMEMFLUSH_TARGET_PATH);
}

static void test_names(void)
{
	T_EXPECT(!strcmp(pmemflush_target_kind_name(PMEMFLUSH_TARGET_PATH), "path"));
	T_EXPECT(!strcmp(pmemflush_target_kind_name(PMEMFLUSH_TARGET_REGION), "region"));
	T_EXPECT(!strcmp(pmemflush_target_kind_name(PMEMFLUSH_TARGET_NAMESPACE), "namespace"));
	T_EXPECT(!strcmp(pmemflush_target_kind_name(PMEMFLUSH_TARGET_BUS), "bus"));
	T_EXPECT(pmemflush_target_kind_name(4) == NULL);
	T_EXPECT(pmemflush_target_kind_name(-1) == NULL);
	T_EXPECT(!strcmp(pmemflush_flush_how_name(PMEMFLUSH_HOW_NONE), "none"));
	T_EXPECT(!strcmp(pmemflush_flush_how_name(PMEMFLUSH_HOW_VPMEM_FLUSH), "vpmem-flush"));
	T_EXPECT(!strcmp(pmemflush_flush_how_name(PMEMFLUSH_HOW_DEEP_FLUSH), "deep-flush"));
	T_EXPECT(!strcmp(pmemflush_flush_how_name(PMEMFLUSH_HOW_FSYNC_BLOCKDEV), "fsync-blockdev"));
	T_EXPECT(!strcmp(pmemflush_flush_how_name(PMEMFLUSH_HOW_FSYNC), "fsync"));
	T_EXPECT(!strcmp(pmemflush_flush_how_name(PMEMFLUSH_HOW_FSYNC_SYNCFS), "fsync+syncfs"));
	T_EXPECT(pmemflush_flush_how_name(6) == NULL);
}

static void test_results(void)
{
	T_EXPECT(vf_result_of_errno(0) == VF_OK);
	T_EXPECT(vf_result_of_errno(-EACCES) == VF_DENIED);
	T_EXPECT(vf_result_of_errno(-EPERM) == VF_DENIED);
	T_EXPECT(vf_result_of_errno(-EOPNOTSUPP) == VF_UNSAFE);
	T_EXPECT(vf_result_of_errno(-EIO) == VF_ERROR);
	T_EXPECT(vf_result_of_errno(-ENOENT) == VF_ERROR);
	T_EXPECT(!strcmp(vf_result_name(VF_OK), "ok"));
	T_EXPECT(!strcmp(vf_result_name(VF_UNSAFE), "unsafe"));
	T_EXPECT(!strcmp(vf_result_name(VF_DENIED), "denied"));
	T_EXPECT(!strcmp(vf_result_name(VF_ERROR), "error"));

	/* error > denied > unsafe > ok, whatever the order of the targets. */
	T_EXPECT(vf_exit_status(VPMEMCTL_EXIT_OK, VF_OK) == 0);
	T_EXPECT(vf_exit_status(VPMEMCTL_EXIT_OK, VF_UNSAFE) == 3);
	T_EXPECT(vf_exit_status(VPMEMCTL_EXIT_OK, VF_DENIED) == 4);
	T_EXPECT(vf_exit_status(VPMEMCTL_EXIT_OK, VF_ERROR) == 1);
	T_EXPECT(vf_exit_status(3, VF_OK) == 3);
	T_EXPECT(vf_exit_status(3, VF_DENIED) == 4);
	T_EXPECT(vf_exit_status(4, VF_UNSAFE) == 4);
	T_EXPECT(vf_exit_status(4, VF_ERROR) == 1);
	T_EXPECT(vf_exit_status(1, VF_DENIED) == 1);
	T_EXPECT(vf_exit_status(1, VF_OK) == 1);
	T_EXPECT(VPMEMCTL_EXIT_PERMISSION == 4 && VPMEMCTL_EXIT_HAZARD == 3);
}

static void expect_json(const struct vf_row *row, const char *want)
{
	struct json_object *o = vj_flush_result(row);
	const char *got = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE);

	T_EXPECTF(!strcmp(got, want), "\n got: %s\nwant: %s", got, want);
	json_object_put(o);
}

/* What a formatter printed, from a memory stream. */
static char *render(void (*fn)(FILE *, const struct vf_row *), const struct vf_row *row)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, row);
	fclose(f);
	return buf;
}

static void table_row_20(FILE *f, const struct vf_row *row)
{
	vf_table_row(f, 20, row);
}

static void expect_out(void (*fn)(FILE *, const struct vf_row *), const struct vf_row *row,
		       const char *want)
{
	char *got = render(fn, row);

	T_EXPECTF(!strcmp(got, want), "\n got: '%s'\nwant: '%s'", got, want);
	free(got);
}

static void test_format(void)
{
	struct vf_row ok = { "region0", "region", "region0", "vpmem-flush", 1, 2500000, VF_OK,
			     NULL };
	struct vf_row tree = { "/dev/pmem3", "path", "pmem3", "fsync-blockdev", -1, 1000, VF_OK,
			       NULL };
	struct vf_row unsafe = { "/dev/dax2.0", "path", NULL, "none", -1, -1, VF_UNSAFE,
				 "device dax on region2: bind to vpmem" };
	struct vf_row denied = { "region0", "region", "region0", "vpmem-flush", -1, 12000,
				 VF_DENIED, "cannot write /sys/x/flush: Permission denied" };
	struct vf_row missing = { "/x", "path", NULL, NULL, -1, -1, VF_ERROR,
				  "cannot stat '/x': No such file or directory" };
	char *hdr = NULL;
	size_t len = 0;
	FILE *f;

	expect_json(&ok, "{\"target\":\"region0\",\"kind\":\"region\",\"device\":\"region0\","
			 "\"how\":\"vpmem-flush\",\"host_flushes\":1,\"duration_ns\":2500000,"
			 "\"result\":\"ok\"}");
	expect_json(&tree, "{\"target\":\"/dev/pmem3\",\"kind\":\"path\",\"device\":\"pmem3\","
			   "\"how\":\"fsync-blockdev\",\"host_flushes\":null,\"duration_ns\":1000,"
			   "\"result\":\"ok\"}");
	expect_json(&unsafe, "{\"target\":\"/dev/dax2.0\",\"kind\":\"path\",\"device\":null,"
			     "\"how\":\"none\",\"host_flushes\":null,\"duration_ns\":null,"
			     "\"result\":\"unsafe\",\"reason\":\"device dax on region2: bind to vpmem\"}");
	expect_json(&denied, "{\"target\":\"region0\",\"kind\":\"region\",\"device\":\"region0\","
			     "\"how\":\"vpmem-flush\",\"host_flushes\":null,\"duration_ns\":12000,"
			     "\"result\":\"denied\",\"message\":\"cannot write /sys/x/flush: "
			     "Permission denied\"}");
	expect_json(&missing, "{\"target\":\"/x\",\"kind\":\"path\",\"device\":null,\"how\":null,"
			      "\"host_flushes\":null,\"duration_ns\":null,\"result\":\"error\","
			      "\"message\":\"cannot stat '/x': No such file or directory\"}");

	f = open_memstream(&hdr, &len);
	vf_table_header(f, 20);
	fclose(f);
	T_EXPECTF(!strcmp(hdr, "TARGET               DEVICE       HOW            HOST_FLUSHES       "
			       "TIME  RESULT\n"), "got '%s'", hdr);
	free(hdr);
	expect_out(table_row_20, &ok,
		   "region0              region0      vpmem-flush               1   2.500 ms  ok\n");
	expect_out(table_row_20, &unsafe,
		   "/dev/dax2.0          -            none                      -          -  unsafe\n");

	expect_out(vf_error_line, &ok, "");
	expect_out(vf_error_line, &unsafe,
		   "vpmemctl flush: /dev/dax2.0: not flushed, no path reaches the host: device dax "
		   "on region2: bind to vpmem\n");
	expect_out(vf_error_line, &denied,
		   "vpmemctl flush: region0: permission denied: cannot write /sys/x/flush: "
		   "Permission denied\n");
	expect_out(vf_error_line, &missing,
		   "vpmemctl flush: /x: cannot stat '/x': No such file or directory\n");
}

/* The library on a host without pmem. */
static void test_resolve(struct pmemflush_ctx *ctx, const char *dir)
{
	struct pmemflush_target *t;
	char path[4096], missing[4200];
	struct statfs sfs;
	long long hf = 77;
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/test-flush.file", dir);
	f = fopen(path, "w");
	T_EXPECT(f && fputs("data\n", f) >= 0 && fclose(f) == 0);

	/* A file on a disk: fsync reaches the disk; vpmem counts nothing. */
	rc = pmemflush_target_resolve(ctx, path, 0, &t);
	T_EXPECTF(rc == 0, "%s: %s", path, pmemflush_errormsg());
	T_EXPECT(pmemflush_target_get_kind(t) == PMEMFLUSH_TARGET_PATH);
	T_EXPECT(!strcmp(pmemflush_target_get_name(t), path));
	T_EXPECT(pmemflush_target_get_how(t) == PMEMFLUSH_HOW_FSYNC);
	T_EXPECT(!strcmp(pmemflush_target_get_flush_path(t), path));
	T_EXPECT(pmemflush_target_get_reason(t) == NULL);
	T_EXPECT(pmemflush_target_ref(t) == t);
	T_EXPECT(pmemflush_target_unref(t) == t);
	rc = pmemflush_target_flush(t, &hf);
	T_EXPECTF(rc == 0, "flush: %d %s", rc, pmemflush_errormsg());
	T_EXPECT(hf == -1);
	T_EXPECT(pmemflush_target_unref(t) == NULL);

	rc = pmemflush_target_resolve(ctx, dir, PMEMFLUSH_TARGET_SYNCFS, &t);
	T_EXPECT(rc == 0 && pmemflush_target_get_how(t) == PMEMFLUSH_HOW_FSYNC_SYNCFS);
	T_EXPECT(pmemflush_target_flush(t, NULL) == 0);
	pmemflush_target_unref(t);

	/* Missing things: -ENOENT, with a message naming them. */
	snprintf(missing, sizeof(missing), "%s.missing", path);
	T_EXPECT(pmemflush_target_resolve(ctx, missing, 0, &t) == -ENOENT && !t);
	T_EXPECT(strstr(pmemflush_errormsg(), "No such file or directory"));
	T_EXPECT(pmemflush_target_resolve(ctx, "region999", 0, &t) == -ENOENT && !t);
	T_EXPECTF(!strcmp(pmemflush_errormsg(), "no such region"), "%s", pmemflush_errormsg());
	T_EXPECT(pmemflush_target_resolve(ctx, "namespace999.0", 0, &t) == -ENOENT);
	T_EXPECT(pmemflush_target_resolve(ctx, "ndbus999", 0, &t) == -ENOENT);
	/* Not flushable kinds of paths, bad arguments. */
	T_EXPECT(pmemflush_target_resolve(ctx, "/dev/null", 0, &t) == -EINVAL && !t);
	T_EXPECT(pmemflush_target_resolve(ctx, "", 0, &t) == -EINVAL);
	T_EXPECT(pmemflush_target_resolve(ctx, path, 1U << 5, &t) == -EINVAL);
	T_EXPECT(pmemflush_target_resolve(NULL, path, 0, &t) == -EINVAL);
	T_EXPECT(pmemflush_target_resolve(ctx, path, 0, NULL) == -EINVAL);
	T_EXPECT(pmemflush_target_flush(NULL, &hf) == -EINVAL && hf == -1);
	T_EXPECT(pmemflush_target_get_how(NULL) == PMEMFLUSH_HOW_NONE);

	/* tmpfs: resolved, but no path: nothing is done, -EOPNOTSUPP. */
	if (statfs("/dev/shm", &sfs) == 0 && sfs.f_type == TMPFS_MAGIC) {
		rc = pmemflush_target_resolve(ctx, "/dev/shm", 0, &t);
		T_EXPECT(rc == 0);
		T_EXPECT(pmemflush_target_get_how(t) == PMEMFLUSH_HOW_NONE);
		T_EXPECT(pmemflush_target_get_flush_path(t) == NULL);
		T_EXPECT(pmemflush_target_get_reason(t) &&
			 strstr(pmemflush_target_get_reason(t), "memory-only"));
		hf = 5;
		T_EXPECT(pmemflush_target_flush(t, &hf) == -EOPNOTSUPP && hf == -1);
		T_EXPECT(strstr(pmemflush_errormsg(), "memory-only"));
		pmemflush_target_unref(t);
	} else {
		T_EXPECTF(0, "/dev/shm is not a tmpfs here");
	}
	unlink(path);
}

/*
 * What resolve checked is what flush fsyncs: the file is opened once, so a
 * name swapped or removed afterwards changes nothing (the old code opened
 * the name again at flush time and fsynced whatever it then named).
 */
static void test_same_file(struct pmemflush_ctx *ctx, const char *dir)
{
	char file[4096], moved[4200], link[4200];
	struct pmemflush_target *t = NULL;
	FILE *f;
	int rc;

	snprintf(file, sizeof(file), "%s/test-flush.same", dir);
	snprintf(moved, sizeof(moved), "%s.moved", file);
	snprintf(link, sizeof(link), "%s.link", file);
	unlink(link);
	unlink(file);
	f = fopen(file, "w");
	T_EXPECT(f && fputs("data\n", f) >= 0 && fclose(f) == 0);
	T_EXPECT(symlink("test-flush.same", link) == 0);
	rc = pmemflush_target_resolve(ctx, link, 0, &t);
	T_EXPECTF(rc == 0 && pmemflush_target_get_how(t) == PMEMFLUSH_HOW_FSYNC, "%s: %d %s",
		  link, rc, pmemflush_errormsg());
	/* The link now names nothing: the file resolved is still there to flush. */
	T_EXPECT(rename(file, moved) == 0);
	rc = pmemflush_target_flush(t, NULL);
	T_EXPECTF(rc == 0, "flush after the name went away: %d %s", rc, pmemflush_errormsg());
	/* The name now names a FIFO (nothing resolve would accept). */
	T_EXPECT(mkfifo(file, 0600) == 0);
	rc = pmemflush_target_flush(t, NULL);
	T_EXPECTF(rc == 0, "flush after a FIFO took the name: %d %s", rc, pmemflush_errormsg());
	pmemflush_target_unref(t);
	/* Resolved now, the FIFO is refused as before. */
	T_EXPECT(pmemflush_target_resolve(ctx, link, 0, &t) == -EINVAL && !t);
	unlink(file);
	unlink(moved);
	unlink(link);
}

/*
 * Several steps failing differently: the most severe failure is returned
 * (as vpmemctl ranks them: an error over permission denied over no path),
 * whatever the order; the steps after a failure still run. A read-only
 * sysfs attribute refuses writing with EACCES even to root; /dev/full
 * with ENOSPC.
 */
static void test_severity(struct pmemflush_ctx *ctx, const char *dir)
{
	static const char *const ro = "/sys/devices/system/cpu/possible";
	struct pmemflush_target *t = NULL;
	char file[4096];
	FILE *f;
	int rc;

	if (access(ro, F_OK) < 0 || access("/dev/full", W_OK) < 0) {
		T_EXPECTF(0, "%s or /dev/full missing here", ro);
		return;
	}
	snprintf(file, sizeof(file), "%s/test-flush.sev", dir);
	f = fopen(file, "w");
	T_EXPECT(f && fclose(f) == 0);

	T_EXPECT(pmemflush_target_resolve(ctx, file, 0, &t) == 0);
	T_EXPECT(pf_target_add_write_step(t, ro) == 0);
	rc = pmemflush_target_flush(t, NULL);
	T_EXPECTF(rc == -EACCES, "read-only attribute: %d %s", rc, pmemflush_errormsg());
	T_EXPECT(pf_target_add_write_step(t, "/dev/full") == 0);
	rc = pmemflush_target_flush(t, NULL);
	T_EXPECTF(rc == -ENOSPC, "denied, then failed: %d, want -ENOSPC (%s)", rc,
		  pmemflush_errormsg());
	T_EXPECTF(strstr(pmemflush_errormsg(), "/dev/full"), "message: %s", pmemflush_errormsg());
	pmemflush_target_unref(t);

	T_EXPECT(pmemflush_target_resolve(ctx, file, 0, &t) == 0);
	T_EXPECT(pf_target_add_write_step(t, "/dev/full") == 0);
	T_EXPECT(pf_target_add_write_step(t, ro) == 0);
	rc = pmemflush_target_flush(t, NULL);
	T_EXPECTF(rc == -ENOSPC, "failed, then denied: %d, want -ENOSPC (%s)", rc,
		  pmemflush_errormsg());
	pmemflush_target_unref(t);
	unlink(file);
}

int main(int argc, char **argv)
{
	struct pmemflush_ctx *ctx;

	test_parse();
	test_names();
	test_results();
	test_format();
	T_EXPECT(pmemflush_new(&ctx) == 0);
	test_resolve(ctx, argc > 1 ? argv[1] : ".");
	test_same_file(ctx, argc > 1 ? argv[1] : ".");
	test_severity(ctx, argc > 1 ? argv[1] : ".");
	pmemflush_unref(ctx);
	return t_report("test-flush");
}
