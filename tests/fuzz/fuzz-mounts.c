// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Text the kernel writes under /proc: a mount table in the mountinfo format
 * (the library's pf_mounts_parse, then each mount's options through the
 * library's and vpmemctl monitor's nobarrier/dax readings, which must
 * agree), ext4's superblock options file (/proc/fs/ext4/DEV/options), and
 * a /proc/PID/maps line (vpmemctl driver's busy check).
 */
#include <libmount/libmount.h>

#include "driver.h"
#include "fuzz.h"
#include "monitor.h"
#include "private.h"

static void options(const char *opts)
{
	struct pf_mount_facts f = { .dax = true, .nobarrier = true };

	pf_mount_parse_options(opts, &f);
	/* vpmemctl monitor and the library must see the same nobarrier. */
	FUZZ_ASSERT(f.nobarrier == mon_opt_nobarrier(opts));
}

static void table(const uint8_t *data, size_t size)
{
	struct libmnt_table *tb = NULL;
	struct libmnt_iter *itr;
	struct libmnt_fs *fs;
	FILE *f;

	f = fmemopen((void *)data, size, "r");
	if (!f)
		return;
	if (pf_mounts_parse(f, "fuzz", &tb) == 0) {
		FUZZ_ASSERT(mnt_table_get_nents(tb) > 0);
		itr = mnt_new_iter(MNT_ITER_FORWARD);
		if (!itr)
			abort();
		while (mnt_table_next_fs(tb, itr, &fs) == 0) {
			char *o = mnt_fs_strdup_options(fs);

			FUZZ_ASSERT(mnt_fs_get_root(fs));
			options(o);
			options(mnt_fs_get_options(fs));
			free(o);
		}
		mnt_free_iter(itr);
		mnt_unref_table(tb);
	} else {
		FUZZ_ASSERT(!tb);
	}
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path;
	char *s;
	int nb;

	if (size > 16384)
		return -1;
	table(data, size);

	s = fuzz_str(data, size);
	options(s);
	nb = pf_sbopts_nobarrier(s);
	FUZZ_ASSERT(nb >= -1 && nb <= 1);
	FUZZ_ASSERT(nb < 0 || strstr(s, "barrier"));
	path = busy_maps_path(s);
	FUZZ_ASSERT(!path || (path >= s && path < s + strlen(s)));
	if (path)
		(void)busy_path_is_dev(path, "pmem0");
	(void)busy_path_is_dev(s, "pmem0");
	free(s);
	return 0;
}
