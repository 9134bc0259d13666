// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmdkfacts: what Debian's PMDK (libpmem, libpmem2) decides about a file or
 * device dax, measured inside the test guest for docs/pmdk.md.
 *
 *   pmdkfacts PATH facts       one line of key=value facts:
 *       pmem2_granularity=G       libpmem2's store granularity of a map of PATH
 *       cache_line_map=R          pmem2_map_new() with a required store
 *                                 granularity of cache-line
 *       is_pmem=0|1               libpmem's pmem_map_file() is_pmem
 *       has_auto_flush=R          pmem_has_auto_flush()
 *       has_hw_drain=R            pmem_has_hw_drain()
 *       deep_flush=R              pmem2_deep_flush() of the first page
 *       usc_rc=R usc=V            pmem2_source_device_usc()
 *       id_rc=R id_len=L id=S     pmem2_source_device_id() (L counts the NUL)
 *   pmdkfacts PATH libpmem N   map PATH with pmem_map_file(), then N times a
 *                              64-byte store made durable as libpmem's
 *                              documentation says: pmem_persist() when
 *                              is_pmem, else pmem_msync(); prints
 *                              "is_pmem=B persists=N"
 *   pmdkfacts PATH deepflush N N times a 64-byte store through a libpmem2 map
 *                              of PATH, then pmem2_deep_flush() of it; prints
 *                              "deep_flush=R persists=N" (R: the last result)
 *   pmdkfacts PATH obj [nosds] libpmemobj: pmemobj_create() a pool at PATH
 *                              (a device dax, its first 2 MiB zeroed first,
 *                              or a new 16 MiB file), close,
 *                              pmemobj_open(); with its default shutdown
 *                              state (SDS) or, with nosds, after
 *                              pmemobj_ctl_set(NULL, "sds.at_create", 0)
 *                              (PMDK's documented way to create a pool
 *                              without it). Prints "sds_at_create=V " (V:
 *                              pmemobj_ctl_get(NULL, "sds.at_create"), a
 *                              global control, read just before the create:
 *                              1 means the pool is created with SDS), then
 *                              "create=0 open=0", or create=ERRNO msg='...'
 *                              (pmemobj_errormsg()).
 *                              Built only with libpmemobj (HAVE_LIBPMEMOBJ).
 *
 * R is 0 or libpmem2's negative error code (PMEM2_E_NOSUPP is -100001).
 * Exit status: 0, or 1 when PATH cannot be opened or mapped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpmem.h>
#include <libpmem2.h>
#ifdef HAVE_LIBPMEMOBJ
#include <libpmemobj.h>
#endif

static const char *granularity_name(enum pmem2_granularity g)
{
	switch (g) {
	case PMEM2_GRANULARITY_BYTE:
		return "byte";
	case PMEM2_GRANULARITY_CACHE_LINE:
		return "cache-line";
	case PMEM2_GRANULARITY_PAGE:
		return "page";
	}
	return "unknown";
}

/* Would an application that needs cache-line persistence get its map? */
static int map_cache_line(struct pmem2_source *src)
{
	struct pmem2_config *cfg = NULL;
	struct pmem2_map *map = NULL;
	int rc = pmem2_config_new(&cfg);

	if (!rc)
		rc = pmem2_config_set_required_store_granularity(cfg,
								 PMEM2_GRANULARITY_CACHE_LINE);
	if (!rc)
		rc = pmem2_map_new(&map, cfg, src);
	if (map)
		pmem2_map_delete(&map);
	pmem2_config_delete(&cfg);
	return rc;
}

static int facts(const char *path)
{
	struct pmem2_config *cfg = NULL;
	struct pmem2_source *src = NULL;
	struct pmem2_map *map = NULL;
	size_t mapped = 0, id_len = 0;
	uint64_t usc = 0;
	char id[256] = "";
	int is_pmem = 0, usc_rc, id_rc, deep_rc = 1, cl_rc, fd;
	void *addr;

	fd = open(path, O_RDWR);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	if (pmem2_config_new(&cfg) ||
	    pmem2_config_set_required_store_granularity(cfg, PMEM2_GRANULARITY_PAGE) ||
	    pmem2_source_from_fd(&src, fd) || pmem2_map_new(&map, cfg, src)) {
		pmem2_perror("pmdkfacts: %s", path);
		return 1;
	}
	cl_rc = map_cache_line(src);
	deep_rc = pmem2_deep_flush(map, pmem2_map_get_address(map), 4096);
	usc_rc = pmem2_source_device_usc(src, &usc);
	id_rc = pmem2_source_device_id(src, NULL, &id_len);
	if (id_rc == 0 && id_len <= sizeof(id))
		id_rc = pmem2_source_device_id(src, id, &id_len);
	printf("pmem2_granularity=%s cache_line_map=%d deep_flush=%d usc_rc=%d usc=%llu id_rc=%d id_len=%zu id='%s'",
	       granularity_name(pmem2_map_get_store_granularity(map)), cl_rc, deep_rc, usc_rc,
	       (unsigned long long)usc, id_rc, id_len, id);
	pmem2_map_delete(&map);
	pmem2_source_delete(&src);
	pmem2_config_delete(&cfg);
	close(fd);

	addr = pmem_map_file(path, 0, 0, 0, &mapped, &is_pmem);
	if (!addr) {
		fprintf(stderr, "\npmdkfacts: pmem_map_file %s: %s\n", path, pmem_errormsg());
		return 1;
	}
	printf(" is_pmem=%d has_auto_flush=%d has_hw_drain=%d\n", is_pmem, pmem_has_auto_flush(),
	       pmem_has_hw_drain());
	pmem_unmap(addr, mapped);
	return 0;
}

static int libpmem_persists(const char *path, unsigned long n)
{
	size_t mapped = 0;
	int is_pmem = 0;
	char *addr = pmem_map_file(path, 0, 0, 0, &mapped, &is_pmem);

	if (!addr) {
		fprintf(stderr, "pmdkfacts: pmem_map_file %s: %s\n", path, pmem_errormsg());
		return 1;
	}
	for (unsigned long i = 0; i < n; i++) {
		char *p = addr + 4096 + (i * 64) % (mapped - 4096);

		memset(p, (int)(i & 0x7f) | 1, 64);
		if (is_pmem) {
			pmem_persist(p, 64);
		} else if (pmem_msync(p, 64)) {
			fprintf(stderr, "pmdkfacts: pmem_msync: %s\n", pmem_errormsg());
			pmem_unmap(addr, mapped);
			return 1;
		}
	}
	printf("is_pmem=%d persists=%lu\n", is_pmem, n);
	pmem_unmap(addr, mapped);
	return 0;
}

static int deep_flushes(const char *path, unsigned long n)
{
	struct pmem2_config *cfg = NULL;
	struct pmem2_source *src = NULL;
	struct pmem2_map *map = NULL;
	int fd, rc = 0;
	char *addr;
	size_t size;

	fd = open(path, O_RDWR);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	if (pmem2_config_new(&cfg) ||
	    pmem2_config_set_required_store_granularity(cfg, PMEM2_GRANULARITY_PAGE) ||
	    pmem2_source_from_fd(&src, fd) || pmem2_map_new(&map, cfg, src)) {
		pmem2_perror("pmdkfacts: %s", path);
		return 1;
	}
	addr = pmem2_map_get_address(map);
	size = pmem2_map_get_size(map);
	for (unsigned long i = 0; i < n && rc == 0; i++) {
		char *p = addr + 4096 + (i * 64) % (size - 4096);

		memset(p, (int)(i & 0x7f) | 1, 64);
		rc = pmem2_deep_flush(map, p, 64);
	}
	printf("deep_flush=%d persists=%lu\n", rc, n);
	pmem2_map_delete(&map);
	pmem2_source_delete(&src);
	pmem2_config_delete(&cfg);
	close(fd);
	return 0;
}

#ifdef HAVE_LIBPMEMOBJ
static int obj(const char *path, int nosds)
{
	struct stat st;
	size_t size = 0;
	PMEMobjpool *pop;
	int sds = -1;

	if (nosds) {
		int zero = 0;

		if (pmemobj_ctl_set(NULL, "sds.at_create", &zero)) {
			fprintf(stderr, "pmdkfacts: sds.at_create: %s\n", pmemobj_errormsg());
			return 1;
		}
	}
	/*
	 * A device dax is used whole, and libpmemobj refuses one whose header
	 * is not zero (an earlier log or pool): zero its first 2 MiB. A file is
	 * created with the pool.
	 */
	if (!stat(path, &st) && S_ISCHR(st.st_mode)) {
		size_t mapped = 0;
		void *addr = pmem_map_file(path, 0, 0, 0, &mapped, NULL);

		if (!addr) {
			fprintf(stderr, "pmdkfacts: pmem_map_file %s: %s\n", path, pmem_errormsg());
			return 1;
		}
		pmem_memset_persist(addr, 0, mapped < (2 << 20) ? mapped : (2 << 20));
		pmem_unmap(addr, mapped);
	} else {
		unlink(path);
		size = 16 << 20;
	}
	/*
	 * libpmemobj creates the pool with SDS exactly when this is 1: with 1
	 * and create=0 the pool holds a count even where none could be read
	 * (PMDK 1.12 takes PMEM2_E_NOSUPP as 0), which "SDS off" cannot show.
	 */
	if (pmemobj_ctl_get(NULL, "sds.at_create", &sds)) {
		fprintf(stderr, "pmdkfacts: sds.at_create: %s\n", pmemobj_errormsg());
		return 1;
	}
	printf("sds_at_create=%d ", sds);
	pop = pmemobj_create(path, "pmdkfacts", size, 0600);
	if (!pop) {
		printf("create=%d msg='%s'\n", errno, pmemobj_errormsg());
		return 0;
	}
	pmemobj_close(pop);
	pop = pmemobj_open(path, "pmdkfacts");
	if (!pop) {
		printf("create=0 open=%d msg='%s'\n", errno, pmemobj_errormsg());
		return 0;
	}
	pmemobj_close(pop);
	printf("create=0 open=0\n");
	return 0;
}
#endif

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[2], "facts"))
		return facts(argv[1]);
	if (argc == 4 && !strcmp(argv[2], "libpmem"))
		return libpmem_persists(argv[1], strtoul(argv[3], NULL, 0));
	if (argc == 4 && !strcmp(argv[2], "deepflush"))
		return deep_flushes(argv[1], strtoul(argv[3], NULL, 0));
#ifdef HAVE_LIBPMEMOBJ
	if ((argc == 3 || (argc == 4 && !strcmp(argv[3], "nosds"))) && !strcmp(argv[2], "obj"))
		return obj(argv[1], argc == 4);
#endif
	fprintf(stderr, "usage: pmdkfacts PATH facts | PATH libpmem N | PATH deepflush N | PATH obj [nosds]\n");
	return 2;
}
