/* Append records to a log file and make each one durable. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pmemflush.h>

int main(int argc, char **argv)
{
	struct pmemflush_ctx *ctx;
	struct pmemflush_map *map;
	char *log;
	int i, rc;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE\n", argv[0]);
		return 2;
	}
	rc = pmemflush_new(&ctx);
	if (rc < 0)
		return 1;

	/* The method is chosen here, from the region's facts and a probe. */
	rc = pmemflush_map_file(ctx, argv[1], 1 << 20, PMEMFLUSH_MAP_CREATE, &map);
	if (rc < 0) {
		/* e.g. -EOPNOTSUPP: device dax on virtio-pmem without vpmem */
		fprintf(stderr, "%s: %s\n", strerror(-rc), pmemflush_errormsg());
		pmemflush_unref(ctx);
		return 1;
	}
	printf("method %s, granularity %s\n",
	       pmemflush_method_name(pmemflush_map_get_method(map)),
	       pmemflush_granularity_name(pmemflush_map_get_granularity(map)));

	log = pmemflush_map_get_addr(map);
	for (i = 0; i < 10; i++) {
		char *rec = log + i * 64;

		snprintf(rec, 64, "record %d", i);
		rc = pmemflush_persist(map, rec, 64);
		if (rc < 0) {
			/* Not durable. The map keeps failing until the error is
			 * acknowledged: the record must be written again. */
			fprintf(stderr, "record %d: %s\n", i, pmemflush_errormsg());
			break;
		}
	}
	if (rc == 0)
		printf("10 records durable\n");

	pmemflush_unmap(map);
	pmemflush_unref(ctx);
	return rc < 0 ? 1 : 0;
}
