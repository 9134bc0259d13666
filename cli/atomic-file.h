/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Replace a file atomically, for the readers that poll a directory
 * (node_exporter's textfile collector, nfd-worker's features.d): they see
 * the old file or the whole new one, never a part, and a writer killed at
 * any moment leaves no temporary file behind (see atomic-file.c).
 */
#ifndef VPMEMCTL_ATOMIC_FILE_H
#define VPMEMCTL_ATOMIC_FILE_H

#include <stddef.h>

/* The step that failed, for the caller's message. */
enum atomic_step {
	ATOMIC_CREATE,		/* no temporary file could be made in the directory */
	ATOMIC_WRITE,		/* writing, chmod or fsync of the new data */
	ATOMIC_RENAME,		/* putting it in place under its name */
	ATOMIC_SYNC_DIR,	/* fsync of the directory, after the rename */
};

/*
 * Replace @name in the directory open at @dfd by @len bytes of @data, mode
 * 0644: written to an unnamed file (O_TMPFILE) that gets a hidden name
 * (".@name.XXXXXX") only when complete and fsync'ed, renamed over @name,
 * then the directory fsync'ed. Where the file system has no O_TMPFILE, or
 * the unnamed file cannot be linked (no /proc and no CAP_DAC_READ_SEARCH),
 * a hidden named file is written instead (removed on any error; a hidden
 * name that already exists is another writer's and is left). Returns 0,
 * or a negative errno with *@step set; an existing @name is untouched
 * unless the failing step is ATOMIC_SYNC_DIR (new file in place).
 */
int atomic_replace(int dfd, const char *name, const char *data, size_t len,
		   enum atomic_step *step);

#endif
