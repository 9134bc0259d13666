// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmemtest: small operations for guest test cases, each exiting with 0 on
 * success or with the errno of the failing call, so that a case can assert
 * the exact error (e.g. 95 for EOPNOTSUPP).
 *
 *   pmemtest mark LABEL          print '@@VT mark LABEL' and drain the console
 *   pmemtest write FILE BYTES    write a pattern (no sync)
 *   pmemtest read FILE           read the whole file
 *   pmemtest fdatasync FILE      open and fdatasync
 *   pmemtest fsync FILE          open and fsync
 *   pmemtest mapsync FILE        mmap(MAP_SHARED_VALIDATE | MAP_SYNC)
 *   pmemtest msync FILE          mmap shared, store, msync(MS_SYNC)
 *   pmemtest json-get PATH       print one value of the JSON on stdin
 *
 * json-get PATH is '/'-separated: a key, an array index, KEY=VALUE (the
 * first array element whose KEY is the string VALUE) or '#' (the length of
 * an array). An object where an array is expected counts as a one-element
 * array (ndctl prints a lone item unwrapped). Strings print raw, other
 * values as compact JSON; a missing value exits with ENOENT.
 *
 * Mappings are one page of a file, or the first 2 MiB of a device dax
 * character device (its mappings must be aligned to the device alignment).
 */
#include <errno.h>
#include <json-c/json.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif

static int fail(const char *what, const char *path)
{
	int e = errno ? errno : EIO;

	fprintf(stderr, "pmemtest: %s %s: %s\n", what, path, strerror(e));
	return e;
}

static int do_mark(const char *label)
{
	printf("@@VT mark %s\n", label);
	fflush(stdout);
	/*
	 * Wait until the UART has sent everything: the host must see the mark
	 * before any flush the guest causes after it.
	 */
	if (isatty(STDOUT_FILENO) && tcdrain(STDOUT_FILENO) < 0)
		return fail("tcdrain", "stdout");
	return 0;
}

static int do_write(const char *path, const char *bytes)
{
	char buf[4096];
	long long left = atoll(bytes);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return fail("open", path);
	memset(buf, 0x5a, sizeof(buf));
	while (left > 0) {
		size_t n = left > (long long)sizeof(buf) ? sizeof(buf) : (size_t)left;
		ssize_t w = write(fd, buf, n);

		if (w < 0) {
			close(fd);
			return fail("write", path);
		}
		left -= w;
	}
	close(fd);
	return 0;
}

static int do_read(const char *path)
{
	char buf[65536];
	ssize_t r;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return fail("open", path);
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		;
	if (r < 0) {
		close(fd);
		return fail("read", path);
	}
	close(fd);
	return 0;
}

static int do_sync(const char *path, int data_only)
{
	int fd = open(path, O_RDWR);
	int rc;

	if (fd < 0)
		return fail("open", path);
	rc = data_only ? fdatasync(fd) : fsync(fd);
	if (rc < 0) {
		rc = fail(data_only ? "fdatasync" : "fsync", path);
		close(fd);
		return rc;
	}
	close(fd);
	return 0;
}

static int do_map(const char *path, int sync)
{
	int fd = open(path, O_RDWR);
	int flags = sync ? MAP_SHARED_VALIDATE | MAP_SYNC : MAP_SHARED;
	size_t len = 4096;
	struct stat st;
	char *p;
	int rc = 0;

	if (fd < 0)
		return fail("open", path);
	if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode))
		len = 2 << 20;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (p == MAP_FAILED) {
		rc = fail(sync ? "mmap(MAP_SYNC)" : "mmap", path);
		close(fd);
		return rc;
	}
	if (!sync) {
		p[0]++;
		if (msync(p, len, MS_SYNC) < 0)
			rc = fail("msync", path);
	}
	munmap(p, len);
	close(fd);
	return rc;
}

/* Set when a step found a key whose value is JSON null. */
static int json_null_found;

static struct json_object *json_step(struct json_object *cur, const char *step)
{
	const char *eq = strchr(step, '=');
	struct json_object *v;
	size_t i, n;
	char *end;
	long idx;

	if (!cur)
		return NULL;
	if (eq) {
		size_t klen = (size_t)(eq - step);
		char key[128];

		if (klen >= sizeof(key))
			return NULL;
		memcpy(key, step, klen);
		key[klen] = '\0';
		n = json_object_is_type(cur, json_type_array) ? json_object_array_length(cur) : 1;
		for (i = 0; i < n; i++) {
			struct json_object *e = json_object_is_type(cur, json_type_array)
							? json_object_array_get_idx(cur, i)
							: cur;

			if (json_object_object_get_ex(e, key, &v) && v &&
			    json_object_is_type(v, json_type_string) &&
			    strcmp(json_object_get_string(v), eq + 1) == 0)
				return e;
		}
		return NULL;
	}
	idx = strtol(step, &end, 10);
	if (*step && !*end) {
		if (!json_object_is_type(cur, json_type_array))
			return idx == 0 ? cur : NULL;
		return json_object_array_get_idx(cur, (size_t)idx);
	}
	if (json_object_object_get_ex(cur, step, &v)) {
		json_null_found = v == NULL;
		return v;
	}
	return NULL;
}

static int do_json_get(const char *path)
{
	struct json_object *root, *cur;
	char buf[1 << 16], *copy, *step, *save = NULL;
	size_t len = 0;
	ssize_t r;
	int rc = 0;

	while (len < sizeof(buf) - 1 && (r = read(STDIN_FILENO, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	buf[len] = '\0';
	root = json_tokener_parse(buf);
	if (!root) {
		fprintf(stderr, "pmemtest json-get: stdin is not JSON: %.200s\n", buf);
		return EINVAL;
	}
	copy = strdup(path);
	cur = root;
	for (step = strtok_r(copy, "/", &save); step && cur; step = strtok_r(NULL, "/", &save)) {
		if (strcmp(step, "#") == 0) {
			printf("%zu\n", json_object_is_type(cur, json_type_array)
					       ? json_object_array_length(cur) : (size_t)1);
			goto out;
		}
		json_null_found = 0;
		cur = json_step(cur, step);
	}
	if (!cur && json_null_found && !step) {
		printf("null\n");
	} else if (!cur) {
		fprintf(stderr, "pmemtest json-get: no '%s'\n", path);
		rc = ENOENT;
	} else if (json_object_is_type(cur, json_type_string)) {
		printf("%s\n", json_object_get_string(cur));
	} else {
		printf("%s\n", json_object_to_json_string_ext(cur, JSON_C_TO_STRING_PLAIN |
								     JSON_C_TO_STRING_NOSLASHESCAPE));
	}
out:
	free(copy);
	json_object_put(root);
	return rc;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	errno = 0;
	if (!strcmp(cmd, "mark") && argc == 3)
		return do_mark(argv[2]);
	if (!strcmp(cmd, "write") && argc == 4)
		return do_write(argv[2], argv[3]);
	if (!strcmp(cmd, "read") && argc == 3)
		return do_read(argv[2]);
	if (!strcmp(cmd, "fdatasync") && argc == 3)
		return do_sync(argv[2], 1);
	if (!strcmp(cmd, "fsync") && argc == 3)
		return do_sync(argv[2], 0);
	if (!strcmp(cmd, "mapsync") && argc == 3)
		return do_map(argv[2], 1);
	if (!strcmp(cmd, "msync") && argc == 3)
		return do_map(argv[2], 0);
	if (!strcmp(cmd, "json-get") && argc == 3)
		return do_json_get(argv[2]);
	fprintf(stderr, "usage: pmemtest mark|write|read|fdatasync|fsync|mapsync|msync|json-get ARGS\n");
	return 2;
}
