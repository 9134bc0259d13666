/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One line of diagnostics that may quote what the user typed: control
 * characters (a newline in a target name) are written as \n, \t or \xNN
 * and a backslash as \\, so a message stays one line and cannot forge
 * another.
 */
#ifndef VPMEMCTL_EPRINT_H
#define VPMEMCTL_EPRINT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * @s escaped into one buffer and written with one call: stderr is
 * unbuffered, and a reader (a test waiting for a line, a log collector)
 * must never see half a message. A backslash is doubled, so an escaped
 * newline cannot be mistaken for a backslash and an n that were typed.
 */
static inline void vp_fputs_escaped(FILE *out, const char *s)
{
	size_t len = strlen(s), n = 0;
	char *buf = malloc(4 * len + 1);

	if (!buf) {
		fputs("vpmemctl: out of memory\n", out);
		return;
	}
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n' && !s[1])
			buf[n++] = '\n';	/* the line's own end */
		else if (c == '\n' || c == '\t' || c == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)(c == '\n' ? 'n' : c == '\t' ? 't' : '\\');
		} else if (c < 0x20 || c == 0x7f)
			n += (size_t)snprintf(buf + n, 5, "\\x%02x", c);
		else
			buf[n++] = (char)c;
	}
	fwrite(buf, 1, n, out);
	free(buf);
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
