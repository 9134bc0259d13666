// SPDX-License-Identifier: GPL-2.0-only
/*
 * fsyncbench: THREADS threads, each rewriting one 4 KiB block of its own
 * file in DIR and calling fsync() (or fdatasync() with -d), for SECONDS.
 * When DIR is a block device, each thread rewrites its own block of the
 * device and fsyncs the device.
 * Used to stress a flush path (many concurrent fsyncs) and to measure
 * flush coalescing (fsyncs per second, host flushes per fsync).
 *
 *   fsyncbench [-d] DIR THREADS SECONDS
 *
 * Prints 'fsyncs=N errors=N first_errno=N seconds=S rate=R' and exits 0
 * when every call succeeded, else with the first failing call's errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *dir;
static int is_blockdev;
static int data_only;
static atomic_int stop;
static atomic_long total_ops;
static atomic_long total_errors;
static atomic_int first_errno;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void record_error(int e)
{
	int zero = 0;

	atomic_fetch_add(&total_errors, 1);
	atomic_compare_exchange_strong(&first_errno, &zero, e);
}

static void *worker(void *arg)
{
	long id = (long)arg;
	char path[4096], buf[4096];
	off_t off = is_blockdev ? id * 4096 : 0;
	long ops = 0;
	int fd;

	if (is_blockdev)
		snprintf(path, sizeof(path), "%s", dir);
	else
		snprintf(path, sizeof(path), "%s/fsyncbench.%ld", dir, id);
	fd = open(path, O_RDWR | O_CREAT, 0644);
	if (fd < 0) {
		record_error(errno);
		return NULL;
	}
	while (!atomic_load(&stop)) {
		memset(buf, (int)(ops & 0xff), sizeof(buf));
		if (pwrite(fd, buf, sizeof(buf), off) != (ssize_t)sizeof(buf)) {
			record_error(errno ? errno : EIO);
			break;
		}
		if ((data_only ? fdatasync(fd) : fsync(fd)) < 0) {
			record_error(errno);
			/* Keep going: a stress run must see whether errors persist. */
		}
		ops++;
	}
	atomic_fetch_add(&total_ops, ops);
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t *tids;
	struct stat st;
	double t0, secs;
	long i, nthreads;
	int arg = 1, duration;

	if (argc > 1 && strcmp(argv[1], "-d") == 0) {
		data_only = 1;
		arg++;
	}
	if (argc - arg != 3) {
		fprintf(stderr, "usage: fsyncbench [-d] DIR THREADS SECONDS\n");
		return 2;
	}
	dir = argv[arg];
	nthreads = atol(argv[arg + 1]);
	duration = atoi(argv[arg + 2]);
	if (nthreads < 1 || nthreads > 1024 || duration < 1) {
		fprintf(stderr, "fsyncbench: THREADS 1-1024, SECONDS >= 1\n");
		return 2;
	}
	if (stat(dir, &st) == 0 && S_ISBLK(st.st_mode))
		is_blockdev = 1;
	tids = calloc(nthreads, sizeof(*tids));
	if (!tids)
		return ENOMEM;

	t0 = now();
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&tids[i], NULL, worker, (void *)i) != 0) {
			fprintf(stderr, "fsyncbench: pthread_create failed\n");
			atomic_store(&stop, 1);
			nthreads = i;
			break;
		}
	while (now() - t0 < duration && !atomic_load(&stop))
		usleep(100000);
	atomic_store(&stop, 1);
	for (i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	secs = now() - t0;
	free(tids);

	printf("fsyncs=%ld errors=%ld first_errno=%d seconds=%.2f rate=%.1f\n",
	       atomic_load(&total_ops), atomic_load(&total_errors),
	       atomic_load(&first_errno), secs, atomic_load(&total_ops) / secs);
	return atomic_load(&first_errno);
}
