// SPDX-License-Identifier: GPL-2.0-only
/*
 * vpmemctl driver's pure parts: the advice and evidence for a device
 * (lib/advice.c), the scan of virtio devices on a constructed sysfs tree
 * (lib/vdev.c), and busy.c: the parsers that decide whether a process
 * uses a device, the holders of a disk's partitions, lookups that fail
 * (an error, never "idle"), and the short write of a bind file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libkmod.h>

#include "driver.h"
#include "drivers.h"
#include "private.h"
#include "test.h"

static enum pmemflush_driver_advice advice(enum pmemflush_driver bound, const char *name,
					   enum pmemflush_module_state st, bool avail, bool bl,
					   char *msg, size_t len)
{
	struct pf_advice_input in = {
		.vdev = "virtio3", .bound = bound, .bound_name = name, .vpmem_state = st,
		.vpmem_available = avail, .vpmem_blacklisted = bl,
	};

	return pf_driver_advice(&in, msg, len);
}

static void test_advice(void)
{
	char msg[512];
	enum pmemflush_driver_advice a;

	a = advice(PMEMFLUSH_DRIVER_VPMEM, "vpmem", PMEMFLUSH_MODULE_LIVE, true, false, msg,
		   sizeof(msg));
	T_EXPECT(a == PMEMFLUSH_ADVICE_NONE && msg[0] == '\0');
	/* Even blacklisted and not installed: bound to vpmem needs nothing. */
	a = advice(PMEMFLUSH_DRIVER_VPMEM, "vpmem", PMEMFLUSH_MODULE_LIVE, false, true, msg,
		   sizeof(msg));
	T_EXPECT(a == PMEMFLUSH_ADVICE_NONE);

	a = advice(PMEMFLUSH_DRIVER_VIRTIO_PMEM, "virtio_pmem", PMEMFLUSH_MODULE_NOT_LOADED, true,
		   false, msg, sizeof(msg));
	T_EXPECT(a == PMEMFLUSH_ADVICE_BIND_VPMEM);
	T_EXPECTF(!strcmp(msg, "vpmem available but not bound: `vpmemctl driver bind vpmem virtio3` gives devdax a host-flush path"),
		  "%s", msg);

	/* Loaded by insmod (not installed): still bindable. */
	a = advice(PMEMFLUSH_DRIVER_VIRTIO_PMEM, "virtio_pmem", PMEMFLUSH_MODULE_LIVE, false,
		   false, msg, sizeof(msg));
	T_EXPECT(a == PMEMFLUSH_ADVICE_BIND_VPMEM);
	T_EXPECTF(!strncmp(msg, "vpmem loaded but not bound: `vpmemctl driver bind vpmem virtio3`", 62),
		  "%s", msg);
	/* Loaded wins over a blacklist: the bind does not load anything. */
	a = advice(PMEMFLUSH_DRIVER_VIRTIO_PMEM, "virtio_pmem", PMEMFLUSH_MODULE_LIVE, true, true,
		   msg, sizeof(msg));
	T_EXPECT(a == PMEMFLUSH_ADVICE_BIND_VPMEM);

	a = advice(PMEMFLUSH_DRIVER_VIRTIO_PMEM, "virtio_pmem", PMEMFLUSH_MODULE_NOT_LOADED, true,
		   true, msg, sizeof(msg));
	T_EXPECT(a == PMEMFLUSH_ADVICE_VPMEM_BLACKLISTED);
	T_EXPECTF(strstr(msg, "blacklisted by the modprobe configuration") != NULL, "%s", msg);

	a = advice(PMEMFLUSH_DRIVER_VIRTIO_PMEM, "virtio_pmem", PMEMFLUSH_MODULE_NOT_LOADED, false,
		   false, msg, sizeof(msg));
	T_EXPECT(a == PMEMFLUSH_ADVICE_INSTALL_VPMEM);
	T_EXPECTF(!strcmp(msg, "vpmem not installed: devdax on virtio3 has no host-flush path without it (see vpmem(4))"),
		  "%s", msg);
	/* Blacklisted but not installed: installing is the first step. */
	a = advice(PMEMFLUSH_DRIVER_OTHER, "other", PMEMFLUSH_MODULE_NOT_LOADED, false, true, msg,
		   sizeof(msg));
	T_EXPECT(a == PMEMFLUSH_ADVICE_INSTALL_VPMEM);

	a = advice(PMEMFLUSH_DRIVER_NONE, NULL, PMEMFLUSH_MODULE_NOT_LOADED, true, false, msg,
		   sizeof(msg));
	T_EXPECT(a == PMEMFLUSH_ADVICE_UNBOUND);
	T_EXPECTF(strstr(msg, "`vpmemctl driver bind vpmem virtio3`") != NULL, "%s", msg);
	a = advice(PMEMFLUSH_DRIVER_NONE, NULL, PMEMFLUSH_MODULE_NOT_LOADED, false, false, msg,
		   sizeof(msg));
	T_EXPECT(a == PMEMFLUSH_ADVICE_UNBOUND);
	T_EXPECTF(strstr(msg, "`vpmemctl driver bind virtio_pmem virtio3`") != NULL &&
			  !strstr(msg, "bind vpmem"),
		  "%s", msg);
	/* A short buffer truncates, never overflows. */
	a = advice(PMEMFLUSH_DRIVER_NONE, NULL, PMEMFLUSH_MODULE_NOT_LOADED, false, false, msg, 8);
	T_EXPECT(strlen(msg) == 7);
}

static void test_evidence_and_names(void)
{
	struct pf_advice_input in = {
		.vdev = "virtio0", .bound = PMEMFLUSH_DRIVER_VIRTIO_PMEM, .bound_name = "virtio_pmem",
		.vpmem_state = PMEMFLUSH_MODULE_LIVE, .vpmem_available = false,
		.vpmem_blacklisted = true,
	};
	char buf[256];

	pf_driver_evidence(&in, buf, sizeof(buf));
	T_EXPECTF(!strcmp(buf, "bound=virtio_pmem,vpmem=live,vpmem_available=no,vpmem_blacklisted=yes"),
		  "%s", buf);
	in.bound_name = NULL;
	in.vpmem_state = PMEMFLUSH_MODULE_NOT_LOADED;
	pf_driver_evidence(&in, buf, sizeof(buf));
	T_EXPECTF(!strncmp(buf, "bound=none,vpmem=not-loaded,", 28), "%s", buf);

	T_EXPECT(pf_module_state_from_kmod(KMOD_MODULE_LIVE) == PMEMFLUSH_MODULE_LIVE);
	T_EXPECT(pf_module_state_from_kmod(KMOD_MODULE_BUILTIN) == PMEMFLUSH_MODULE_BUILTIN);
	T_EXPECT(pf_module_state_from_kmod(KMOD_MODULE_COMING) == PMEMFLUSH_MODULE_COMING);
	T_EXPECT(pf_module_state_from_kmod(KMOD_MODULE_GOING) == PMEMFLUSH_MODULE_GOING);
	T_EXPECT(pf_module_state_from_kmod(-ENOENT) == PMEMFLUSH_MODULE_NOT_LOADED);

	T_EXPECT(!strcmp(pmemflush_module_state_name(PMEMFLUSH_MODULE_NOT_LOADED), "not-loaded"));
	T_EXPECT(!strcmp(pmemflush_module_state_name(PMEMFLUSH_MODULE_BUILTIN), "builtin"));
	T_EXPECT(pmemflush_module_state_name((enum pmemflush_module_state)99) == NULL);
	T_EXPECT(!strcmp(pmemflush_driver_advice_name(PMEMFLUSH_ADVICE_BIND_VPMEM), "bind-vpmem"));
	T_EXPECT(!strcmp(pmemflush_driver_advice_name(PMEMFLUSH_ADVICE_VPMEM_BLACKLISTED),
			 "vpmem-blacklisted"));
	T_EXPECT(pmemflush_driver_advice_name((enum pmemflush_driver_advice)-1) == NULL);
}

/* A constructed /sys/bus/virtio/devices with pmem and non-pmem devices. */
static char root[] = "/tmp/vpmem-test-virtio.XXXXXX";

static void put(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	T_EXPECTF(f != NULL, "%s", path);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void mkdirs(const char *rel)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", root, rel);
	T_EXPECT(system(cmd) == 0);
}

/* The scan's order: by index, for every index the kernel can give (found by fuzz-sysfs). */
static void test_vdev_order(void)
{
	T_EXPECT(pf_vdev_name_cmp("virtio2", "virtio10") < 0);
	T_EXPECT(pf_vdev_name_cmp("virtio10", "virtio2") > 0);
	T_EXPECT(pf_vdev_name_cmp("virtio7", "virtio7") == 0);
	T_EXPECT(pf_vdev_name_cmp("virtio4294967295", "virtio2") > 0);
	T_EXPECT(pf_vdev_name_cmp("virtio2", "virtio4294967295") < 0);
	T_EXPECT(pf_vdev_name_cmp("virtio2147483648", "virtio1") > 0);
}

static void test_scan(void)
{
	struct pmemflush_ctx *ctx;
	struct pmemflush_drivers d = { .refcount = 1 };
	struct pmemflush_module vpmem = { .name = (char *)"vpmem", .available = true,
					  .state = PMEMFLUSH_MODULE_NOT_LOADED };
	struct pmemflush_vdev *v;
	char cmd[600], link[512];
	int n = 0;

	T_EXPECT(mkdtemp(root) != NULL);
	mkdirs("virtio0");
	put("virtio0/device", "0x0005\n");	/* a balloon: not pmem */
	mkdirs("virtio10/ndbus3/region3");
	put("virtio10/device", "0x001b\n");
	put("virtio10/modalias", "virtio:d0000001Bv00001AF4\n");
	mkdirs("drivers/vpmem");
	snprintf(link, sizeof(link), "%s/virtio10/driver", root);
	T_EXPECT(symlink("../drivers/vpmem", link) == 0);
	mkdirs("virtio2/ndbus0/region0");
	put("virtio2/device", "0x001b\n");
	mkdirs("drivers/virtio_pmem");
	snprintf(link, sizeof(link), "%s/virtio2/driver", root);
	T_EXPECT(symlink("../drivers/virtio_pmem", link) == 0);
	mkdirs("virtio9");
	put("virtio9/device", "0x001b\n");	/* unbound: no bus yet */

	T_EXPECT(pmemflush_new(&ctx) == 0);
	d.ctx = ctx;
	d.modules = &vpmem;
	T_EXPECT(pf_vdevs_scan(&d, root) == 0);
	T_EXPECT(pf_vdevs_finish(&d) == 0);
	pmemflush_vdev_foreach(&d, v)
		n++;
	T_EXPECTF(n == 3, "%d devices", n);
	/* Index order, not name order: virtio2, virtio9, virtio10. */
	v = pmemflush_vdev_get_first(&d);
	T_EXPECT(v && !strcmp(pmemflush_vdev_get_devname(v), "virtio2"));
	T_EXPECT(pmemflush_vdev_get_driver(v) == PMEMFLUSH_DRIVER_VIRTIO_PMEM);
	T_EXPECT(!strcmp(pmemflush_vdev_get_bus_devname(v), "ndbus0"));
	T_EXPECT(!strcmp(pmemflush_vdev_get_region_devname(v), "region0"));
	T_EXPECT(pmemflush_vdev_get_modalias(v) == NULL);
	T_EXPECT(pmemflush_vdev_get_advice(v) == PMEMFLUSH_ADVICE_BIND_VPMEM);
	v = pmemflush_vdev_get_next(v);
	T_EXPECT(v && !strcmp(pmemflush_vdev_get_devname(v), "virtio9"));
	T_EXPECT(pmemflush_vdev_get_driver_name(v) == NULL);
	T_EXPECT(pmemflush_vdev_get_bus_devname(v) == NULL);
	T_EXPECT(pmemflush_vdev_get_advice(v) == PMEMFLUSH_ADVICE_UNBOUND);
	T_EXPECT(!strcmp(pmemflush_vdev_get_evidence(v),
			 "bound=none,vpmem=not-loaded,vpmem_available=yes,vpmem_blacklisted=no"));
	v = pmemflush_drivers_get_vdev_by_bus(&d, "ndbus3");
	T_EXPECT(v && !strcmp(pmemflush_vdev_get_devname(v), "virtio10"));
	T_EXPECT(pmemflush_vdev_get_driver(v) == PMEMFLUSH_DRIVER_VPMEM);
	T_EXPECT(pmemflush_vdev_get_advice(v) == PMEMFLUSH_ADVICE_NONE);
	T_EXPECT(pmemflush_vdev_get_advice_message(v) == NULL);
	T_EXPECT(!strcmp(pmemflush_vdev_get_modalias(v), "virtio:d0000001Bv00001AF4"));
	T_EXPECT(pmemflush_drivers_get_vdev(&d, "virtio0") == NULL);
	T_EXPECT(pmemflush_drivers_get_vdev_by_bus(&d, NULL) == NULL);
	T_EXPECT(pmemflush_drivers_get_module(&d, "vpmem") == &vpmem);
	T_EXPECT(pmemflush_drivers_get_module(&d, "nd_pmem") == NULL);
	pf_vdevs_free(d.vdevs);

	/* No virtio bus at all: no device, no error. */
	d.vdevs = NULL;
	snprintf(link, sizeof(link), "%s/missing", root);
	T_EXPECT(pf_vdevs_scan(&d, link) == 0 && d.vdevs == NULL);

	pmemflush_unref(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	T_EXPECT(system(cmd) == 0);
}

static void test_busy_parsers(void)
{
	const char *p;

	p = busy_maps_path("7f0000000000-7f0000200000 rw-s 00000000 00:05 123 /dev/dax0.0\n");
	T_EXPECTF(p && !strcmp(p, "/dev/dax0.0\n"), "%s", p ? p : "(null)");
	T_EXPECT(busy_maps_path("7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n") == NULL);
	T_EXPECT(busy_maps_path("7f0000000000-7f0000001000 rw-p 00000000 00:00 0\n") == NULL);
	p = busy_maps_path("55d0-55d1 r--p 00000000 fd:01 42    /usr/bin/sleep\n");
	T_EXPECT(p && !strcmp(p, "/usr/bin/sleep\n"));
	T_EXPECT(busy_maps_path("") == NULL);

	T_EXPECT(busy_path_is_dev("/dev/dax0.0", "dax0.0"));
	T_EXPECT(busy_path_is_dev("/dev/dax0.0\n", "dax0.0"));
	T_EXPECT(busy_path_is_dev("/dev/dax0.0 (deleted)\n", "dax0.0"));
	T_EXPECT(!busy_path_is_dev("/dev/dax0.01", "dax0.0"));
	T_EXPECT(!busy_path_is_dev("/dev/dax10.0", "dax1.0") && !busy_path_is_dev("/dev/dax1.0", "dax10.0"));
	T_EXPECT(busy_path_is_dev("/dev/pmem0", "pmem0"));
	T_EXPECT(busy_path_is_dev("/dev/pmem0p1", "pmem0"));
	T_EXPECT(busy_path_is_dev("/dev/pmem0p12\n", "pmem0"));
	T_EXPECT(!busy_path_is_dev("/dev/pmem01", "pmem0"));
	T_EXPECT(!busy_path_is_dev("/dev/pmem0p", "pmem0"));
	T_EXPECT(!busy_path_is_dev("/dev/pmem0px", "pmem0"));
	T_EXPECT(!busy_path_is_dev("/tmp/dev/pmem0", "pmem0"));
	T_EXPECT(!busy_path_is_dev("pmem0", "pmem0"));
}

/*
 * A child of ours opens /dev/full. Only the child's real /proc entry is
 * scanned (a directory with a link to /proc/PID): other processes'
 * descriptors may be unreadable here (not root, a container), and that
 * makes a scan of all of /proc fail, as it must.
 */
static void test_busy_child(void)
{
	struct busy_dev dev = { .block = false };
	char tmpl[] = "/tmp/vpmem-test-pid.XXXXXX", why[256] = "", want[64], link[64], real[32];
	const char *r = mkdtemp(tmpl);
	struct stat st;
	pid_t pid;
	int rc;

	T_EXPECT(r != NULL && stat("/dev/full", &st) == 0);
	if (!r)
		return;
	dev.rdev = st.st_rdev;
	snprintf(dev.name, sizeof(dev.name), "full");
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exec sleep 5 < /dev/full", (char *)NULL);
		_exit(127);
	}
	snprintf(link, sizeof(link), "%s/%d", r, (int)pid);
	snprintf(real, sizeof(real), "/proc/%d", (int)pid);
	T_EXPECT(symlink(real, link) == 0);
	usleep(300 * 1000);
	rc = busy_scan_proc(r, &dev, 1, why, sizeof(why));
	T_EXPECTF(rc == 1, "rc %d: %s", rc, why);
	snprintf(want, sizeof(want), "/dev/full is open by pid %d (sleep)", (int)pid);
	T_EXPECTF(!strcmp(why, want), "got '%s', want '%s'", why, want);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* And gone again once it exits: its /proc entry is gone, which is not an error. */
	rc = busy_scan_proc(r, &dev, 1, why, sizeof(why));
	T_EXPECTF(rc == 0, "rc %d: %s", rc, why);
	unlink(link);
	rmdir(r);
}

/* A constructed /sys/class/block: dm-0 holds partition 2 of pmem0 only. */
static void test_busy_holders(void)
{
	char tmpl[] = "/tmp/vpmem-test-block.XXXXXX", cmd[600], why[256] = "";
	const char *r = mkdtemp(tmpl);
	int rc;

	T_EXPECT(r != NULL);
	if (!r)
		return;
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && mkdir -p pmem0/holders pmem0/pmem0p1/holders pmem0/pmem0p2/holders/dm-0 "
		 "pmem0/power pmem1/holders && touch pmem0/pmem0p1/partition pmem0/pmem0p2/partition "
		 "pmem0/dev && mkdir -p pmem1/pmem1p1/holders/md127",
		 r);
	T_EXPECT(system(cmd) == 0);
	rc = busy_holders(r, "pmem0", why, sizeof(why));
	T_EXPECTF(rc == 1, "rc %d: %s", rc, why);
	T_EXPECTF(!strcmp(why, "/dev/pmem0p2 is held by dm-0 (a device-mapper or md device on it)"),
		  "%s", why);
	/* Without a "partition" file a subdirectory is not a partition. */
	rc = busy_holders(r, "pmem1", why, sizeof(why));
	T_EXPECTF(rc == 0, "rc %d: %s", rc, why);
	snprintf(cmd, sizeof(cmd), "rm -r '%s/pmem0/pmem0p2/holders/dm-0'", r);
	T_EXPECT(system(cmd) == 0);
	T_EXPECT(busy_holders(r, "pmem0", why, sizeof(why)) == 0);
	/* A disk whose holders cannot be read is not idle: the check failed. */
	rc = busy_holders(r, "pmem9", why, sizeof(why));
	T_EXPECTF(rc == -ENOENT && strstr(why, "/pmem9/holders: No such file or directory"),
		  "rc %d: %s", rc, why);
	/* Neither is a disk whose device number cannot be read. */
	rc = busy_claim(r, "pmem9", &(int){ 0 }, why, sizeof(why));
	T_EXPECTF(rc == -ENOENT && strstr(why, "/pmem9/dev: No such file or directory"), "rc %d: %s",
		  rc, why);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r);
	T_EXPECT(system(cmd) == 0);
}

/* /proc that cannot be read, or read only in part, is never "idle". */
static void test_busy_unverifiable(void)
{
	char tmpl[] = "/tmp/vpmem-test-proc.XXXXXX", cmd[600], why[256] = "";
	struct busy_dev dev = { .name = "dax0.0" };
	const char *r = mkdtemp(tmpl);
	int rc;

	rc = busy_scan_proc("/nonexistent/proc", &dev, 1, why, sizeof(why));
	T_EXPECTF(rc == -ENOENT && !strcmp(why, "/nonexistent/proc: No such file or directory"),
		  "rc %d: %s", rc, why);
	T_EXPECT(r != NULL);
	if (!r)
		return;
	/* A process that exited while we looked (no fd/, no maps) is fine... */
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/41' '%s/self'", r, r);
	T_EXPECT(system(cmd) == 0);
	rc = busy_scan_proc(r, &dev, 1, why, sizeof(why));
	T_EXPECTF(rc == 0, "rc %d: %s", rc, why);
	/* ...one whose descriptors cannot be listed is not. */
	snprintf(cmd, sizeof(cmd), "touch '%s/41/fd'", r);
	T_EXPECT(system(cmd) == 0);
	rc = busy_scan_proc(r, &dev, 1, why, sizeof(why));
	T_EXPECTF(rc == -ENOTDIR && strstr(why, "/41/fd: Not a directory"), "rc %d: %s", rc, why);
	/* And a link to the device under it is found. */
	snprintf(cmd, sizeof(cmd),
		 "rm '%s/41/fd' && mkdir '%s/41/fd' && ln -s /dev/dax0.0 '%s/41/fd/3' && echo sleep > '%s/41/comm'",
		 r, r, r, r);
	T_EXPECT(system(cmd) == 0);
	rc = busy_scan_proc(r, &dev, 1, why, sizeof(why));
	T_EXPECTF(rc == 1 && !strcmp(why, "/dev/dax0.0 is open by pid 41 (sleep)"), "rc %d: %s", rc,
		  why);

	T_EXPECT(busy_readable("/proc/self/mountinfo", why, sizeof(why)) == 0);
	rc = busy_readable("/nonexistent/mountinfo", why, sizeof(why));
	T_EXPECTF(rc == -ENOENT && !strcmp(why, "/nonexistent/mountinfo: No such file or directory"),
		  "rc %d: %s", rc, why);
	/* A directory opens but cannot be read. */
	rc = busy_readable(r, why, sizeof(why));
	T_EXPECTF(rc == -EISDIR, "rc %d: %s", rc, why);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r);
	T_EXPECT(system(cmd) == 0);
}

/* A bind file that takes part of the name is an error, even with errno 0. */
static void test_write_all(void)
{
	char path[] = "/tmp/vpmem-test-write.XXXXXX";
	int fd = mkstemp(path), status = -1;
	pid_t pid;

	T_EXPECT(fd >= 0);
	if (fd < 0)
		return;
	T_EXPECT(busy_write_all(fd, "virtio0") == 0);
	pid = fork();
	if (pid == 0) {
		/* The file may grow by 3 bytes only: write() returns 3. */
		struct rlimit rl = { 10, 10 };

		signal(SIGXFSZ, SIG_IGN);
		errno = 0;
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(2);
		_exit(busy_write_all(fd, "virtio0") == -EIO ? 0 : 1);
	}
	T_EXPECT(pid > 0 && waitpid(pid, &status, 0) == pid);
	T_EXPECTF(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	close(fd);
	unlink(path);
	T_EXPECT(busy_write_all(fd, "virtio0") == -EBADF);
}

int main(void)
{
	test_advice();
	test_evidence_and_names();
	test_vdev_order();
	test_scan();
	test_busy_parsers();
	test_busy_child();
	test_busy_holders();
	test_busy_unverifiable();
	test_write_all();
	return t_report("test-drivers");
}
