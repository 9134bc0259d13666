/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One line of diagnostics that may quote what the user typed: control
 * characters (a newline in a target name) are written as \n, \t or \xNN,
 * so a message stays one line and cannot forge another.
 */
#ifndef VPMEMCTL_EPRINT_H
#define VPMEMCTL_EPRINT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static inline void vp_fputs_escaped(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n' && !s[1])
			fputc('\n', out);	/* the line's own end */
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
}

static inline void vp_line(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void vp_line(FILE *out, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (rc < 0) {
		fputs("vpmemctl: out of memory\n", out);
		return;
	}
	vp_fputs_escaped(out, s);
	free(s);
}

#endif
