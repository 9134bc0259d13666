// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pmemflush_map_file() / pmemflush_map_fd(): open, check (region facts and
 * a MAP_SYNC probe, path.c), choose the method (method.c), map accordingly.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "map.h"
#include "private.h"


#define MAP_FLAGS_ALL                                                               \
	(PMEMFLUSH_MAP_CREATE | PMEMFLUSH_MAP_EXCL | PMEMFLUSH_MAP_NONDURABLE | \
	 PMEMFLUSH_MAP_TRUST_PLATFORM | MAP_REQUIRE_FLAGS)
#define MAP_FD_FLAGS (PMEMFLUSH_MAP_NONDURABLE | PMEMFLUSH_MAP_TRUST_PLATFORM | MAP_REQUIRE_FLAGS)
#define MAP_REQUIRE_FLAGS (PMEMFLUSH_MAP_REQUIRE_CACHE_LINE | PMEMFLUSH_MAP_REQUIRE_BYTE)
/* Both requirements at once is a contradiction in terms, not a stronger ask. */
#define MAP_REQUIRE_BOTH(f) (((f) & MAP_REQUIRE_FLAGS) == MAP_REQUIRE_FLAGS)

static void checkp(struct pmemflush_check **c)
{
	pmemflush_check_unref(*c);
}

static enum pmemflush_granularity granularity_of(enum pmemflush_method m)
{
	switch (m) {
	case PMEMFLUSH_METHOD_FENCE_ONLY:
		return PMEMFLUSH_GRANULARITY_BYTE;
	case PMEMFLUSH_METHOD_CPU_FLUSH:
		return PMEMFLUSH_GRANULARITY_CACHE_LINE;
	default:
		return PMEMFLUSH_GRANULARITY_PAGE;
	}
}

/*
 * The caller's required store granularity (PMEMFLUSH_MAP_REQUIRE_*) against
 * the method's: 0, or -EOPNOTSUPP naming what was given and what required.
 * Granularities are ordered byte < cache-line < page.
 */
static int granularity_refused(const char *name, enum pmemflush_method method,
			       unsigned int flags)
{
	enum pmemflush_granularity need, have = granularity_of(method);

	if (flags & PMEMFLUSH_MAP_REQUIRE_BYTE)
		need = PMEMFLUSH_GRANULARITY_BYTE;
	else if (flags & PMEMFLUSH_MAP_REQUIRE_CACHE_LINE)
		need = PMEMFLUSH_GRANULARITY_CACHE_LINE;
	else
		return 0;
	if (have <= need)
		return 0;
	return pf_error(-EOPNOTSUPP,
			"%s: method %s makes %s granularity durable, %s granularity required "
			"(PMEMFLUSH_MAP_REQUIRE_%s)",
			name, pmemflush_method_name(method), pmemflush_granularity_name(have),
			pmemflush_granularity_name(need),
			need == PMEMFLUSH_GRANULARITY_BYTE ? "BYTE" : "CACHE_LINE");
}

/* Refused: what is wrong, and what would give it a durable path. */
static int refuse(struct pmemflush_check *c)
{
	return pf_error(-EOPNOTSUPP,
			"%s: no durable path: %s (or pass PMEMFLUSH_MAP_NONDURABLE to accept losing "
			"the data)",
			c->path, c->reason ? c->reason : "no method makes these stores durable");
}

/*
 * The method decides the mapping: CPU-flush methods need MAP_SYNC (it is
 * what makes file system metadata durable without fsync); the others map
 * shared. A MAP_SYNC refused now although the probe accepted it falls back
 * to msync rather than to a weaker guarantee.
 */
static int do_mmap(struct pmemflush_map *m, struct pmemflush_ctx *ctx, off_t offset, int forced)
{
	int sync_flags = MAP_SHARED_VALIDATE | MAP_SYNC;
	void *p = MAP_FAILED;

	/* A forced method (tests) is exercised as forced, on any memory. */
	if (!forced &&
	    (m->method == PMEMFLUSH_METHOD_CPU_FLUSH || m->method == PMEMFLUSH_METHOD_FENCE_ONLY)) {
		p = mmap(NULL, m->len, PROT_READ | PROT_WRITE, sync_flags, m->fd, offset);
		if (p == MAP_FAILED) {
			info(ctx, "MAP_SYNC refused at map time (%m): falling back to msync\n");
			m->method = PMEMFLUSH_METHOD_MSYNC;
		}
	}
	if (p == MAP_FAILED)
		p = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, offset);
	if (p == MAP_FAILED)
		return pf_error(-errno, "mmap of %zu bytes failed: %s", m->len, strerror(errno));
	m->addr = p;
	return 0;
}

static int open_host_flush(struct pmemflush_map *m, struct pmemflush_check *c)
{
	const char *path = c->host_flush_path;

	if (!path)
		return pf_error(-EOPNOTSUPP, "%s: host-flush method without a host-flush path",
				c->path);
	m->host_flush_fd = open(path, O_WRONLY | O_CLOEXEC);
	if (m->host_flush_fd < 0 && (errno == EACCES || errno == EPERM) && c->reason)
		return pf_error(-errno, "%s: %s", c->path, c->reason);
	if (m->host_flush_fd < 0)
		return pf_error(-errno, "%s: cannot open the host-flush attribute %s: %s", c->path,
				path, strerror(errno));
	return 0;
}

/*
 * A descriptor of our own, with an open file description of our own: a
 * dup() would share the caller's, and an fsync() by the caller could then
 * consume the write-back error our msync must see. /proc/self/fd reopens
 * the same file (also deleted files and memfds).
 */
static int reopen_fd(int fd, const char *name)
{
	char path[64];
	int own;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	own = open(path, O_RDWR | O_CLOEXEC);
	if (own < 0)
		return pf_error(-errno, "%s: cannot reopen through %s: %s", name, path,
				strerror(errno));
	return own;
}

static int map_checked(struct pmemflush_ctx *ctx, const char *name, int fd, off_t offset,
		       size_t len, unsigned int flags, struct pmemflush_map **result)
{
	_cleanup_(checkp) struct pmemflush_check *c = NULL;
	struct pmemflush_map *m;
	struct stat st;
	int rc;

	if (fstat(fd, &st) < 0)
		return pf_error(-errno, "%s: %s", name, strerror(errno));
	/* Never upgrade the caller's access through /proc. */
	if ((fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDWR)
		return pf_error(-EBADF, "%s: not open read-write", name);
	if (offset < 0 || offset % sysconf(_SC_PAGESIZE))
		return pf_error(-EINVAL, "%s: offset %lld is not page aligned", name,
				(long long)offset);

	rc = pf_check_fd(ctx, name, fd, flags & PMEMFLUSH_MAP_TRUST_PLATFORM, &c);
	if (rc < 0)
		return rc;
	/* Refuse before anything is changed: a refused map extends nothing. */
	if (c->method == PMEMFLUSH_METHOD_REFUSED) {
		if (!(flags & PMEMFLUSH_MAP_NONDURABLE))
			return refuse(c);
		warn(ctx, "%s: no durable path (%s); mapped anyway (PMEMFLUSH_MAP_NONDURABLE)\n",
		     name, c->reason ? c->reason : "refused");
		c->method = PMEMFLUSH_METHOD_NONE;
	}
	/* Here too before anything changes; again below once the method is final. */
	rc = granularity_refused(name, c->method, flags);
	if (rc < 0)
		return rc;

	if (c->ns && c->ns->mode == PMEMFLUSH_NS_MODE_DEVDAX) {
		/* Device dax is mapped whole (its size is the namespace's). */
		if (offset || (len && len != c->ns->size))
			return pf_error(-EINVAL, "%s: device dax is mapped whole (%llu bytes)",
					name, c->ns->size);
		len = c->ns->size;
	} else if (S_ISREG(st.st_mode)) {
		if (!len) {
			if (st.st_size <= offset)
				return pf_error(-EINVAL, "%s: empty file and no length given", name);
			len = st.st_size - offset;
		} else if (len > (size_t)INT64_MAX - (size_t)offset) {
			/* off_t is 64 bits: past it, the check below would wrap. */
			return pf_error(-EFBIG, "%s: offset %lld + length %zu is past the largest file",
					name, (long long)offset, len);
		} else if ((off_t)(offset + len) > st.st_size &&
			   ftruncate(fd, (off_t)(offset + len)) < 0) {
			return pf_error(-errno, "%s: cannot extend to %zu bytes: %s", name,
					(size_t)offset + len, strerror(errno));
		}
	} else if (!len) {
		return pf_error(-EINVAL, "%s: a length is needed for this file type", name);
	}


	m = calloc(1, sizeof(*m));
	if (!m)
		return pf_error(-ENOMEM, "out of memory");
	m->fd = -1;
	m->host_flush_fd = -1;
	m->len = len;
	m->method = c->method;
	m->method_forced = c->method_forced;
	pf_group_init(&m->group);
	pf_async_init(&m->async, m);

	m->fd = reopen_fd(fd, name);
	if (m->fd < 0) {
		rc = m->fd;
		goto fail;
	}
	if (m->method == PMEMFLUSH_METHOD_HOST_FLUSH) {
		rc = open_host_flush(m, c);
		if (rc < 0)
			goto fail;
	}
	rc = pf_watch_init(m, c);
	if (rc < 0)
		goto fail;
	rc = do_mmap(m, ctx, offset, c->method_forced);
	if (rc < 0)
		goto fail;

	if (m->method == PMEMFLUSH_METHOD_CPU_FLUSH || m->method == PMEMFLUSH_METHOD_HOST_FLUSH ||
	    m->method == PMEMFLUSH_METHOD_NONE) {
		m->cpu_flush = pf_cpu_flush_fn(pf_cpu_flush_insn());
		if (!m->cpu_flush && m->method == PMEMFLUSH_METHOD_CPU_FLUSH) {
			info(ctx, "%s: no cache flush instruction: using msync\n", name);
			m->method = PMEMFLUSH_METHOD_MSYNC;
		}
	}
	m->granularity = granularity_of(m->method);
	/* A MAP_SYNC or flush-instruction fallback can lower it after the check above. */
	rc = granularity_refused(name, m->method, flags);
	if (rc < 0)
		goto fail;
	info(ctx, "%s: mapped %zu bytes, method %s (%s), granularity %s\n", name, m->len,
	     pmemflush_method_name(m->method), pf_cpu_flush_insn_name(pf_cpu_flush_insn()),
	     pmemflush_granularity_name(m->granularity));
	*result = m;
	return 0;

fail:
	pmemflush_unmap(m);
	return rc;
}

PMEMFLUSH_EXPORT int pmemflush_map_fd(struct pmemflush_ctx *ctx, int fd, off_t offset,
				      size_t len, unsigned int flags,
				      struct pmemflush_map **map)
{
	char name[64];

	if (map)
		*map = NULL;
	if (!ctx || fd < 0 || !map || (flags & ~(unsigned int)MAP_FD_FLAGS) ||
	    MAP_REQUIRE_BOTH(flags))
		return pf_error(-EINVAL, "invalid argument");
	pf_error_clear();
	snprintf(name, sizeof(name), "fd %d", fd);
	return map_checked(ctx, name, fd, offset, len, flags, map);
}

PMEMFLUSH_EXPORT int pmemflush_map_file(struct pmemflush_ctx *ctx, const char *path,
					size_t len, unsigned int flags,
					struct pmemflush_map **map)
{
	_cleanup_close_ int fd = -1;
	int oflags = O_RDWR | O_CLOEXEC, rc;
	struct stat mine, now;
	bool created = false;

	if (map)
		*map = NULL;
	if (!ctx || !path || !map || (flags & ~(unsigned int)MAP_FLAGS_ALL) ||
	    ((flags & PMEMFLUSH_MAP_EXCL) && !(flags & PMEMFLUSH_MAP_CREATE)) ||
	    MAP_REQUIRE_BOTH(flags))
		return pf_error(-EINVAL, "invalid argument");
	pf_error_clear();
	/*
	 * Know whether this call created the file, so that a refused map
	 * leaves nothing behind: open it as it is first, create only if absent.
	 */
	fd = (flags & PMEMFLUSH_MAP_EXCL) ? -1 : open(path, oflags);
	if (fd < 0 && (flags & PMEMFLUSH_MAP_CREATE) &&
	    ((flags & PMEMFLUSH_MAP_EXCL) || errno == ENOENT)) {
		fd = open(path, oflags | O_CREAT | O_EXCL, 0600);
		created = fd >= 0;
	}
	if (fd < 0)
		return pf_error(-errno, "cannot open '%s': %s", path, strerror(errno));
	rc = map_checked(ctx, path, fd, 0, len, flags, map);
	/* Remove what this call created, and only that (not a file renamed there since). */
	if (rc < 0 && created && fstat(fd, &mine) == 0 && stat(path, &now) == 0 &&
	    mine.st_dev == now.st_dev && mine.st_ino == now.st_ino)
		unlink(path);
	return rc;
}

PMEMFLUSH_EXPORT void pmemflush_unmap(struct pmemflush_map *map)
{
	if (!map)
		return;
	pf_async_destroy(&map->async);	/* first: its flusher uses the mapping */
	if (map->addr)
		munmap(map->addr, map->len);
	if (map->fd >= 0)
		close(map->fd);
	if (map->host_flush_fd >= 0)
		close(map->host_flush_fd);
	pf_watch_close(map);
	pf_group_destroy(&map->group);
	free(map);
}

PMEMFLUSH_EXPORT void *pmemflush_map_get_addr(struct pmemflush_map *map)
{
	return map ? map->addr : NULL;
}

PMEMFLUSH_EXPORT size_t pmemflush_map_get_length(struct pmemflush_map *map)
{
	return map ? map->len : 0;
}

PMEMFLUSH_EXPORT enum pmemflush_method pmemflush_map_get_method(struct pmemflush_map *map)
{
	return map ? map->method : PMEMFLUSH_METHOD_REFUSED;
}

PMEMFLUSH_EXPORT int pmemflush_map_is_method_forced(struct pmemflush_map *map)
{
	return map ? map->method_forced : 0;
}

PMEMFLUSH_EXPORT enum pmemflush_granularity
pmemflush_map_get_granularity(struct pmemflush_map *map)
{
	return map ? map->granularity : PMEMFLUSH_GRANULARITY_PAGE;
}

PMEMFLUSH_EXPORT const char *pmemflush_granularity_name(enum pmemflush_granularity g)
{
	static const char *const names[] = {
		[PMEMFLUSH_GRANULARITY_BYTE] = "byte",
		[PMEMFLUSH_GRANULARITY_CACHE_LINE] = "cache-line",
		[PMEMFLUSH_GRANULARITY_PAGE] = "page",
	};

	return (unsigned int)g < ARRAY_SIZE(names) ? names[g] : NULL;
}

PMEMFLUSH_EXPORT int pmemflush_map_get_error(struct pmemflush_map *map)
{
	return map ? pf_group_get_error(&map->group) : pf_error(-EINVAL, "invalid argument");
}

PMEMFLUSH_EXPORT int pmemflush_map_clear_error(struct pmemflush_map *map)
{
	return map ? pf_group_clear_error(&map->group) : pf_error(-EINVAL, "invalid argument");
}
