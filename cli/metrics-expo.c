// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Prometheus text exposition format (0.0.4), as node_exporter's textfile
 * collector parses it: per family one HELP and one TYPE line, then all its
 * samples together; label values quoted with \\ \" \n escaped; no
 * timestamps (the collector refuses them). Pure: no system access.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

void prom_init(struct prom *p, const struct prom_family *families, size_t nfamilies)
{
	memset(p, 0, sizeof(*p));
	p->families = families;
	p->nfamilies = nfamilies;
}

void prom_release(struct prom *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->v[i].labels);
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
}

/* Length of the valid UTF-8 sequence at @s, 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and code points past Unicode are not UTF-8. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

size_t prom_escape_label(char *buf, size_t len, const char *value)
{
	const unsigned char *s = (const unsigned char *)value;
	size_t out = 0;
	char tmp[8];

#define PUT(c)                           \
	do {                             \
		if (out + 1 < len)       \
			buf[out] = (c);  \
		out++;                   \
	} while (0)

	while (*s) {
		size_t n = utf8_len(s), i;

		if (n == 0) {
			/* Not UTF-8: keep the byte readable, as text "\xNN". */
			snprintf(tmp, sizeof(tmp), "\\\\x%02x", *s);
			for (i = 0; tmp[i]; i++)
				PUT(tmp[i]);
			s++;
			continue;
		}
		if (*s == '\\' || *s == '"') {
			PUT('\\');
			PUT((char)*s);
		} else if (*s == '\n') {
			PUT('\\');
			PUT('n');
		} else {
			for (i = 0; i < n; i++)
				PUT((char)s[i]);
		}
		s += n;
	}
#undef PUT
	if (len)
		buf[out < len ? out : len - 1] = '\0';
	return out;
}

void prom_ns_to_seconds(char *buf, size_t len, unsigned long long ns)
{
	snprintf(buf, len, "%llu.%09llu", ns / 1000000000ULL, ns % 1000000000ULL);
}

/* Render the label pairs of @ap as {a="b",...} in a new string ("" for none). */
static char *render_labels(va_list ap)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	const char *name;
	bool first = true;

	if (!f)
		return NULL;
	while ((name = va_arg(ap, const char *))) {
		const char *value = va_arg(ap, const char *);
		size_t need = prom_escape_label(NULL, 0, value ? value : "");
		char *esc = malloc(need + 1);

		if (!esc) {
			fclose(f);
			free(buf);
			return NULL;
		}
		prom_escape_label(esc, need + 1, value ? value : "");
		fprintf(f, "%s%s=\"%s\"", first ? "{" : ",", name, esc);
		free(esc);
		first = false;
	}
	if (!first)
		fputc('}', f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int add(struct prom *p, unsigned int family, const char *value, va_list ap)
{
	struct prom_sample *s;
	char *labels;
	size_t i;

	if (family >= p->nfamilies || strlen(value) >= sizeof(s->value))
		return p->err = -EINVAL;
	labels = render_labels(ap);
	if (!labels)
		return p->err = -ENOMEM;
	/*
	 * The same series twice (a mount point listed under two namespaces)
	 * would make the collector drop the whole file: keep the first.
	 */
	for (i = 0; i < p->n; i++)
		if (p->v[i].family == family && strcmp(p->v[i].labels, labels) == 0) {
			free(labels);
			return -EEXIST;
		}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct prom_sample *v = realloc(p->v, cap * sizeof(*v));

		if (!v) {
			free(labels);
			return p->err = -ENOMEM;
		}
		p->v = v;
		p->cap = cap;
	}
	s = &p->v[p->n++];
	s->family = family;
	s->labels = labels;
	snprintf(s->value, sizeof(s->value), "%s", value);
	return 0;
}

int prom_add(struct prom *p, unsigned int family, const char *value, ...)
{
	va_list ap;
	int rc;

	va_start(ap, value);
	rc = add(p, family, value, ap);
	va_end(ap);
	return rc;
}

int prom_add_u64(struct prom *p, unsigned int family, unsigned long long value, ...)
{
	char buf[32];
	va_list ap;
	int rc;

	snprintf(buf, sizeof(buf), "%llu", value);
	va_start(ap, value);
	rc = add(p, family, buf, ap);
	va_end(ap);
	return rc;
}

/* HELP text: only \ and newline are escaped there. */
static void put_help(FILE *out, const char *help)
{
	for (; *help; help++) {
		if (*help == '\\')
			fputs("\\\\", out);
		else if (*help == '\n')
			fputs("\\n", out);
		else
			fputc(*help, out);
	}
}

int prom_render(const struct prom *p, FILE *out)
{
	unsigned int f;
	size_t i;

	for (f = 0; f < p->nfamilies; f++) {
		const struct prom_family *fam = &p->families[f];
		bool header = false;

		for (i = 0; i < p->n; i++) {
			if (p->v[i].family != f)
				continue;
			if (!header) {
				fprintf(out, "# HELP %s ", fam->name);
				put_help(out, fam->help);
				fprintf(out, "\n# TYPE %s %s\n", fam->name,
					fam->type == PROM_COUNTER ? "counter" : "gauge");
				header = true;
			}
			fprintf(out, "%s%s %s\n", fam->name, p->v[i].labels, p->v[i].value);
		}
	}
	return ferror(out) ? -EIO : 0;
}
