// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Values read from sysfs: the attribute read itself (util_sysfs_read: the
 * trimming of a value the kernel wrote), counters (util_parse_u64: vpmem's
 * flush counters, flush_errors_ack), provider and driver names, the
 * buffered decision on a region's provider, virtio device id and
 * vpmem/buffered, the order of virtio device names, and the basename of a
 * symlink's target (util_readlink_base: a device's driver and subsystem
 * links), on a link in a private temporary directory (/dev/shm).
 */
#include <errno.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#include "drivers.h"
#include "facts.h"
#include "fuzz.h"
#include "private.h"
#include "sysfs.h"

static int memfd = -1;
static char memfd_path[64];
static char dir[160];
static char link_path[sizeof(dir) + 8];

static void cleanup(void)
{
	unlink(link_path);
	rmdir(dir);
}

/* A link whose target is the input (up to its first NUL), read into @len bytes. */
static void link_base(const char *s, size_t len)
{
	const char *slash = strrchr(s, '/'), *base = slash ? slash + 1 : s;
	char *buf;
	int rc;

	if (!*s || strlen(s) >= 4096)
		return;
	unlink(link_path);
	if (symlink(s, link_path) < 0)
		abort();
	buf = malloc(len);
	if (!buf)
		abort();
	rc = util_readlink_base(link_path, buf, len);
	if (strlen(base) < len)
		FUZZ_ASSERT(rc == 0 && strcmp(buf, base) == 0);
	else
		FUZZ_ASSERT(rc == -ENAMETOOLONG);
	free(buf);
}

/* The read of an attribute whose content is @data, into a buffer of exactly @len bytes. */
static void sysfs_read(const uint8_t *data, size_t size, size_t len)
{
	char *buf = malloc(len);
	int rc;

	if (!buf)
		abort();
	rc = util_sysfs_read(memfd_path, buf, len);
	FUZZ_ASSERT(rc >= 0);
	FUZZ_ASSERT((size_t)rc < len && (size_t)rc <= size);
	FUZZ_ASSERT(buf[rc] == '\0');
	FUZZ_ASSERT(memcmp(buf, data, (size_t)rc) == 0);
	FUZZ_ASSERT(rc == 0 || (buf[rc - 1] != '\n' && buf[rc - 1] != ' '));
	free(buf);
}

static void counter(const char *s)
{
	unsigned long long v = 0, expect = 0;
	const char *p;
	bool digits = *s != '\0';

	for (p = s; *p; p++)
		digits &= *p >= '0' && *p <= '9';
	if (util_parse_u64(s, &v) < 0)
		return;
	/* Accepted: digits only, and the value they say. */
	FUZZ_ASSERT(digits);
	for (p = s; *p; p++)
		expect = expect * 10 + (unsigned long long)(*p - '0');
	FUZZ_ASSERT(v == expect);
}

/*
 * What vpmem's counters print (%lld or %llu and a newline), read as the
 * library reads them (util_sysfs_read, then util_parse_u64): accepted, with
 * its value. A counter the kernel wrote that does not parse would make
 * persist fail and vpmemctl say "unknown" where the answer is known.
 */
static void kernel_counter(const uint8_t *data, size_t size)
{
	unsigned long long v = 0, expect = 0;
	char buf[32];
	size_t i;

	/* Up to 19 digits: below 2^64 whatever they are. */
	if (size < 2 || size > 20 || data[size - 1] != '\n')
		return;
	for (i = 0; i + 1 < size; i++) {
		if (data[i] < '0' || data[i] > '9')
			return;
		expect = expect * 10 + (unsigned long long)(data[i] - '0');
	}
	FUZZ_ASSERT(util_sysfs_read(memfd_path, buf, sizeof(buf)) == (int)size - 1);
	FUZZ_ASSERT(util_parse_u64(buf, &v) == 0 && v == expect);
}

static void names(const char *s)
{
	enum pmemflush_region_kind k = pf_kind_from_provider(s);
	enum pmemflush_driver d = pf_driver_from_name(s);

	FUZZ_ASSERT(k != PMEMFLUSH_KIND_VIRTIO_PMEM || strcmp(s, "virtio-pmem") == 0);
	FUZZ_ASSERT(d != PMEMFLUSH_DRIVER_VPMEM || strcmp(s, "vpmem") == 0);
	FUZZ_ASSERT(d != PMEMFLUSH_DRIVER_NONE || !*s);
}

/* Fields of one region, separated by newlines: provider, virtio device, vpmem/buffered. */
static void buffered(char *s, uint8_t pd, size_t evlen)
{
	char *provider = s, *dev = NULL, *vb = NULL, *ev = malloc(evlen);
	struct pf_buffered_input in = { .vpmem_buffered = -1 };
	enum pmemflush_tristate v;

	if (!ev)
		abort();
	if ((dev = strchr(provider, '\n'))) {
		*dev++ = '\0';
		if ((vb = strchr(dev, '\n'))) {
			*vb++ = '\0';
			in.vpmem_buffered = strcmp(vb, "0") != 0;
		}
	}
	in.provider = *provider ? provider : NULL;
	in.virtio_name = dev ? "virtio0" : NULL;
	in.virtio_device = dev;
	in.persistence_domain = (enum pmemflush_persistence_domain)(pd % 4);
	in.hypervisor = pd & 0x80;
	v = pf_decide_buffered(&in, ev, evlen);
	FUZZ_ASSERT(strnlen(ev, evlen) < evlen);
	/* The driver's word wins; else a virtio-pmem device or provider is buffered. */
	if (in.vpmem_buffered >= 0)
		FUZZ_ASSERT(v == (in.vpmem_buffered ? PMEMFLUSH_YES : PMEMFLUSH_NO));
	else if (in.provider && !strcmp(in.provider, "virtio-pmem"))
		FUZZ_ASSERT(v == PMEMFLUSH_YES);
	free(ev);
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

/* @s is what the kernel's %u prints: digits, no leading zero, up to UINT_MAX. */
static bool kernel_index(const char *s, unsigned long long *v)
{
	size_t n = strlen(s), i;

	if (n < 1 || n > 10 || (n > 1 && s[0] == '0'))
		return false;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (unsigned long long)(s[i] - '0');
	}
	return *v <= 4294967295ULL;
}

/* Two names "virtio..." from the input, split at the first newline. */
static void vdev_order(const char *s)
{
	const char *nl = strchr(s, '\n');
	unsigned long long x, y;
	char a[300], b[300];

	if (!nl)
		return;
	snprintf(a, sizeof(a), "virtio%.*s", (int)(nl - s < 200 ? nl - s : 200), s);
	snprintf(b, sizeof(b), "virtio%.*s", 200, nl + 1);
	FUZZ_ASSERT(sign(pf_vdev_name_cmp(a, b)) == -sign(pf_vdev_name_cmp(b, a)));
	FUZZ_ASSERT(pf_vdev_name_cmp(a, a) == 0);
	/* Names the kernel makes ("virtio%u"): the order of their numbers. */
	if (kernel_index(a + 6, &x) && kernel_index(b + 6, &y))
		FUZZ_ASSERT(sign(pf_vdev_name_cmp(a, b)) == (x > y) - (x < y));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > 8192)
		return -1;
	if (memfd < 0) {
		memfd = memfd_create("fuzz-sysfs", MFD_CLOEXEC);
		if (memfd < 0)
			abort();
		snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", memfd);
		fuzz_mkdtemp(dir, sizeof(dir), "FUZZ_SHMDIR", "/dev/shm", "vpmem-fuzz-sysfs");
		snprintf(link_path, sizeof(link_path), "%s/link", dir);
		atexit(cleanup);
	}
	if (ftruncate(memfd, 0) < 0 || pwrite(memfd, data, size, 0) != (ssize_t)size)
		abort();
	sysfs_read(data, size, 32);
	sysfs_read(data, size, 4096);
	sysfs_read(data, size, 1 + size % 97);
	kernel_counter(data, size);

	s = fuzz_str(data, size);
	counter(s);
	names(s);
	link_base(s, 16);
	link_base(s, 256);
	vdev_order(s);
	buffered(s, size ? data[0] : 0, 1 + size % 80);
	free(s);
	return 0;
}
