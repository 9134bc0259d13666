// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The virtio bus as sysfs shows it, in a fake sysfs root: the library's
 * scan (pf_vdevs_scan, on a root it is given) and the advice and evidence
 * made from it (pf_vdevs_finish). Each input line describes one device,
 * fields separated by tabs:
 *
 *   NAME  DEVICE-ID  MODALIAS  DRIVER-LINK  BUS  REGION
 *
 * (virtio1, 0x001b, virtio:d0000001Bv00001AF4, ../../../bus/virtio/drivers/vpmem,
 * ndbus0, region0); the first byte sets the vpmem module's facts. The tree
 * is made under a private temporary directory (/dev/shm), and removed after
 * each run.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drivers.h"
#include "fuzz.h"
#include "private.h"
#include "sysfs.h"

#define MAX_DEVS 4

static struct pmemflush_ctx *ctx;
/* tmpfs: the tree is made and removed at every run. */
static char root[160];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) < 0 ? -1 : 0;
}

static void clear(void)
{
	/* Everything below the root; the root itself stays. */
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (mkdir(root, 0700) < 0)
		abort();
}

static void cleanup(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_mkdtemp(root, sizeof(root), "FUZZ_SHMDIR", "/dev/shm", "vpmem-fuzz-vdevs");
	atexit(cleanup);
	if (pmemflush_new(&ctx) < 0)
		abort();
	return 0;
}

/* A file or directory name the kernel could show: no '/', not . or .. */
static bool name_ok(const char *s)
{
	return *s && strlen(s) < 120 && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

static void put(const char *dir, const char *file, const char *value)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, value, strlen(value)) < 0)
		abort();
	close(fd);
}

/* One line: make the device's directory as sysfs would show it. */
static void make_dev(char *line)
{
	char *f[6] = { NULL }, *p = line, dir[512], sub[512];
	int i;

	for (i = 0; i < 6 && p; i++) {
		f[i] = p;
		p = strchr(p, '\t');
		if (p)
			*p++ = '\0';
	}
	if (!f[0] || !name_ok(f[0]))
		return;
	snprintf(dir, sizeof(dir), "%s/%s", root, f[0]);
	if (mkdir(dir, 0700) < 0)
		return;
	if (f[1])
		put(dir, "device", f[1]);
	if (f[2])
		put(dir, "modalias", f[2]);
	if (f[3] && *f[3]) {
		snprintf(sub, sizeof(sub), "%s/driver", dir);
		if (symlink(f[3], sub) < 0 && errno != ENAMETOOLONG)
			abort();
	}
	if (f[4] && name_ok(f[4])) {
		snprintf(sub, sizeof(sub), "%s/%s", dir, f[4]);
		if (mkdir(sub, 0700) == 0 && f[5] && name_ok(f[5])) {
			snprintf(sub, sizeof(sub), "%s/%s/%s", dir, f[4], f[5]);
			mkdir(sub, 0700);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pmemflush_module vpmem = { .name = (char *)"vpmem" };
	struct pmemflush_drivers d = { .refcount = 1, .ctx = ctx, .modules = &vpmem };
	struct pmemflush_vdev *v, *prev = NULL;
	char *s, *line, *next;
	int n = 0;

	if (size < 1 || size > 4096)
		return -1;
	vpmem.available = data[0] & 1;
	vpmem.blacklisted = data[0] & 2;
	vpmem.state = (enum pmemflush_module_state)((data[0] >> 2) % 5);
	s = fuzz_str(data + 1, size - 1);
	for (line = s; line && n < MAX_DEVS; line = next, n++) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		make_dev(line);
	}
	FUZZ_ASSERT(pf_vdevs_scan(&d, root) == 0);
	FUZZ_ASSERT(pf_vdevs_finish(&d) == 0);
	for (v = d.vdevs; v; prev = v, v = v->next) {
		char path[512], id[64];

		/* Only virtio-pmem devices, in index order, each with its evidence. */
		snprintf(path, sizeof(path), "%s/%s/device", root, v->devname);
		FUZZ_ASSERT(util_sysfs_read(path, id, sizeof(id)) >= 0 && !strcmp(id, PF_VIRTIO_PMEM_ID));
		FUZZ_ASSERT(!prev || pf_vdev_name_cmp(prev->devname, v->devname) <= 0);
		FUZZ_ASSERT(v->evidence);
		FUZZ_ASSERT((v->advice == PMEMFLUSH_ADVICE_NONE) == !v->advice_message);
		FUZZ_ASSERT(v->driver == pf_driver_from_name(v->driver_name));
		FUZZ_ASSERT(!v->region_devname || v->bus_devname);
	}
	pf_vdevs_free(d.vdevs);
	free(s);
	clear();
	return 0;
}
