/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Flush targets (target.c): the pure part, for the unit tests. */
#ifndef PMEMFLUSH_TARGET_H
#define PMEMFLUSH_TARGET_H

#include <pmemflush.h>

/*
 * The kind of target @name spells, and its numbers: N for "regionN", "N"
 * and "ndbusN"; N and M for "namespaceN.M" (@a, @b may be NULL). Only
 * plain decimal numbers count ("region+1", "region", "namespace0" are
 * paths). Pure.
 */
enum pmemflush_target_kind pf_target_parse(const char *name, unsigned int *a, unsigned int *b);

/*
 * For the unit tests: one more step on a resolved @t that writes "1" to
 * @path, as a host flush does (0 or a negative errno).
 */
struct pmemflush_target;
int pf_target_add_write_step(struct pmemflush_target *t, const char *path);

#endif
