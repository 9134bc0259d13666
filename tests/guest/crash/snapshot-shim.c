// SPDX-License-Identifier: GPL-2.0-only
/*
 * snapshot-shim: LD_PRELOAD library for QEMU that records, for each
 * virtio-pmem backing file, what a host crash would leave of it.
 *
 * QEMU answers a guest's virtio-pmem FLUSH with fsync() of the backing file
 * on a worker thread. A successful fsync() guarantees the file's content as
 * it was when the call started (stores made later may or may not be on
 * disk). So at fsync()/fdatasync() entry we copy the file into a temporary
 * file, call the real function, and only when it returned 0 publish the
 * copy, atomically, as PATH.snap. Booting again from PATH.snap is then a
 * host crash in which exactly the flushed data survived. When the copy
 * cannot be made the flush is reported as failed (EIO): the guest must never
 * see a success the snapshot does not cover.
 *
 * Environment:
 *   VPMEM_CRASH_PREFIX  only files whose path starts with this are copied
 *   VPMEM_CRASH_LOG     one line per flush is appended here (optional)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20)
#define BLOCK 4096
#define MAX_FILES 16

typedef int (*sync_fn)(int);

/* Per backing file: the sequence number of the snapshot published last. */
struct tracked {
	char path[PATH_MAX];
	unsigned long published;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct tracked files[MAX_FILES];
static unsigned long next_seq;

static void shim_log(const char *fmt, ...)
{
	const char *path = getenv("VPMEM_CRASH_LOG");
	char line[PATH_MAX + 256];
	va_list ap;
	int fd, n;

	if (!path)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	/* One write() per line: concurrent flushes do not interleave. */
	if (write(fd, line, n) < 0)
		n = 0;
	close(fd);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The watched path behind @fd, or 0 if @fd is not a watched file. */
static int watched_path(int fd, char *path, size_t size)
{
	const char *prefix = getenv("VPMEM_CRASH_PREFIX");
	char link[64];
	ssize_t n;

	if (!prefix || !*prefix)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, size - 1);
	if (n < 0)
		return 0;
	path[n] = '\0';
	return strncmp(path, prefix, strlen(prefix)) == 0 && !strstr(path, ".snap");
}

static int all_zero(const char *p, size_t len)
{
	static const char zero[BLOCK];

	return memcmp(p, zero, len) == 0;
}

/*
 * Copy the data extents of @src into @dst; holes and all-zero blocks stay
 * holes, so a mostly empty 300M device costs what it holds. Returns the
 * number of bytes read, or -errno.
 */
static long long copy_sparse(int src, int dst, off_t size)
{
	long long copied = 0;
	off_t data = 0, hole;
	char *buf = malloc(CHUNK);

	if (!buf)
		return -ENOMEM;
	while (data < size) {
		data = lseek(src, data, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break;		/* only a hole is left */
		if (data < 0) {
			data = 0;	/* no SEEK_DATA here: copy it all */
			hole = size;
		} else {
			hole = lseek(src, data, SEEK_HOLE);
			if (hole < 0)
				hole = size;
		}
		while (data < hole) {
			size_t want = hole - data < CHUNK ? hole - data : CHUNK;
			ssize_t n = pread(src, buf, want, data);
			ssize_t off;

			if (n <= 0) {
				free(buf);
				return n < 0 ? -errno : -EIO;
			}
			for (off = 0; off < n; off += BLOCK) {
				size_t len = n - off < BLOCK ? n - off : BLOCK;

				if (all_zero(buf + off, len))
					continue;
				if (pwrite(dst, buf + off, len, data + off) != (ssize_t)len) {
					free(buf);
					return -EIO;
				}
			}
			data += n;
			copied += n;
		}
	}
	free(buf);
	if (ftruncate(dst, size) < 0)
		return -errno;
	return copied;
}

/* Returns the temporary file's sequence number, 0 on failure. */
static unsigned long take_copy(int fd, const char *path, char *tmp, size_t tmpsize)
{
	char self[64];
	struct stat st;
	unsigned long seq;
	long long copied;
	double t0 = now_ms();
	int src, dst;

	pthread_mutex_lock(&lock);
	seq = ++next_seq;
	pthread_mutex_unlock(&lock);
	snprintf(tmp, tmpsize, "%s.snap.tmp%lu", path, seq);
	/* Our own open file: SEEK_DATA must not move QEMU's file offset. */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	src = open(self, O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return 0;
	dst = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (dst < 0 || fstat(src, &st) < 0) {
		shim_log("error %s: cannot copy: %s\n", path, strerror(errno));
		close(src);
		if (dst >= 0)
			close(dst);
		return 0;
	}
	copied = copy_sparse(src, dst, st.st_size);
	close(src);
	close(dst);
	if (copied < 0) {
		shim_log("error %s: copy failed: %s\n", path, strerror((int)-copied));
		unlink(tmp);
		return 0;
	}
	shim_log("copy %lu %s bytes=%lld ms=%.2f\n", seq, path, copied, now_ms() - t0);
	return seq;
}

/* Publish @tmp as PATH.snap unless a newer copy was published already. */
static void publish(const char *path, const char *tmp, unsigned long seq)
{
	struct tracked *t = NULL;
	char snap[PATH_MAX + 8];
	int i, done = 0;

	snprintf(snap, sizeof(snap), "%s.snap", path);
	pthread_mutex_lock(&lock);
	for (i = 0; i < MAX_FILES && files[i].path[0]; i++)
		if (!strcmp(files[i].path, path))
			t = &files[i];
	if (!t && i < MAX_FILES) {
		t = &files[i];
		snprintf(t->path, sizeof(t->path), "%s", path);
	}
	/* A newer copy holds everything this one holds. */
	if (t && seq > t->published && rename(tmp, snap) == 0) {
		t->published = seq;
		done = 1;
	}
	pthread_mutex_unlock(&lock);
	if (done) {
		shim_log("snapshot %lu %s\n", seq, path);
	} else {
		unlink(tmp);
		shim_log("superseded %lu %s\n", seq, path);
	}
}

static sync_fn real_fsync, real_fdatasync;

/* Resolved before QEMU starts its threads. */
__attribute__((constructor)) static void resolve(void)
{
	real_fsync = (sync_fn)dlsym(RTLD_NEXT, "fsync");
	real_fdatasync = (sync_fn)dlsym(RTLD_NEXT, "fdatasync");
}

static int wrap(int fd, sync_fn real)
{
	char path[PATH_MAX], tmp[PATH_MAX + 32];
	unsigned long seq;
	int rc, err;

	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	if (!watched_path(fd, path, sizeof(path)))
		return real(fd);
	seq = take_copy(fd, path, tmp, sizeof(tmp));
	rc = real(fd);
	err = errno;
	if (rc == 0 && seq) {
		publish(path, tmp, seq);
	} else {
		if (seq)
			unlink(tmp);
		shim_log("failed %lu %s: %s\n", seq, path, rc ? strerror(err) : "no copy");
		if (rc == 0) {
			rc = -1;	/* not covered by a snapshot: not a success */
			err = EIO;
		}
	}
	errno = err;
	return rc;
}

int fsync(int fd)
{
	return wrap(fd, real_fsync);
}

int fdatasync(int fd)
{
	return wrap(fd, real_fdatasync);
}
