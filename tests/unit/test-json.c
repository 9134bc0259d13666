// SPDX-License-Identifier: GPL-2.0-only
/*
 * vpmemctl's JSON rendering (cli/json.c) of constructed facts: a context
 * whose snapshot the test builds by hand, so no nvdimm is needed.
 */
#include <stdlib.h>
#include <string.h>

#include "drivers.h"
#include "json.h"
#include "private.h"
#include "test.h"

static struct pmemflush_mount *mount(struct pmemflush_namespace *ns, const char *src,
				     const char *target, const char *fstype, const char *options)
{
	struct pmemflush_mount *m = calloc(1, sizeof(*m));

	m->ns = ns;
	m->source = strdup(src);
	m->target = strdup(target);
	m->fstype = strdup(fstype);
	m->options = strdup(options);
	pf_mount_parse_options(options, &m->facts);
	return m;
}

static struct pmemflush_region *region(struct pmemflush_ctx *ctx, unsigned int id,
				       enum pmemflush_driver drv, enum pmemflush_host_flush hf)
{
	struct pmemflush_region *r = calloc(1, sizeof(*r));
	char name[32];

	r->ctx = ctx;
	r->id = id;
	snprintf(name, sizeof(name), "region%u", id);
	r->devname = strdup(name);
	snprintf(name, sizeof(name), "ndbus%u", id);
	r->bus_devname = strdup(name);
	r->provider = strdup("virtio-pmem");
	r->type = strdup("pmem");
	r->driver_devname = strdup(pmemflush_driver_name(drv));
	r->evidence = strdup("provider=virtio-pmem,virtio=virtio1:0x001b,persistence_domain=unknown");
	r->size = 256ULL << 20;
	r->enabled = true;
	r->numa_node = 0;
	r->target_node = -1;
	r->facts.kind = PMEMFLUSH_KIND_VIRTIO_PMEM;
	r->facts.driver = drv;
	r->facts.buffered = PMEMFLUSH_YES;
	r->facts.persistence_domain = PMEMFLUSH_PD_UNKNOWN;
	r->facts.host_flush = hf;
	r->hazards = pf_hazards_region(&r->facts);
	return r;
}

static struct pmemflush_namespace *ns_new(struct pmemflush_region *r, const char *name,
					  enum pmemflush_ns_mode mode, const char *blk,
					  const char *chr)
{
	struct pmemflush_namespace *ns = calloc(1, sizeof(*ns));

	ns->region = r;
	ns->devname = strdup(name);
	ns->mode = mode;
	ns->blockdev = blk ? strdup(blk) : NULL;
	ns->chardev = chr ? strdup(chr) : NULL;
	ns->size = 254ULL << 20;
	ns->align = chr ? 2UL << 20 : 0;
	r->namespaces = ns;
	return ns;
}

static void expect_json(struct json_object *o, const char *want)
{
	const char *got = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE);

	T_EXPECTF(!strcmp(got, want), "\n got: %s\nwant: %s", got, want);
	json_object_put(o);
}

static void test_sizes(void)
{
	char buf[64];

	vj_size_string(buf, sizeof(buf), 256ULL << 20);
	T_EXPECTF(!strcmp(buf, "256.00 MiB (268.44 MB)"), "%s", buf);
	vj_size_string(buf, sizeof(buf), 4ULL << 30);
	T_EXPECTF(!strcmp(buf, "4.00 GiB (4.29 GB)"), "%s", buf);
	vj_size_string(buf, sizeof(buf), 1ULL << 30); /* below 2 GiB: MiB */
	T_EXPECTF(!strcmp(buf, "1024.00 MiB (1073.74 MB)"), "%s", buf);
	vj_size_string(buf, sizeof(buf), 512);
	T_EXPECTF(!strcmp(buf, "512"), "%s", buf);
	/* ndctl's edges: plain up to 5000 KiB, hundredths rounded half up, TiB from 2 TiB. */
	vj_size_string(buf, sizeof(buf), (5000ULL << 10) - 1);
	T_EXPECTF(!strcmp(buf, "5119999"), "%s", buf);
	vj_size_string(buf, sizeof(buf), 5000ULL << 10);
	T_EXPECTF(!strcmp(buf, "4.88 MiB (5.12 MB)"), "%s", buf);
	vj_size_string(buf, sizeof(buf), (2ULL << 30) - 1);
	T_EXPECTF(!strcmp(buf, "2048.00 MiB (2147.48 MB)"), "%s", buf);
	vj_size_string(buf, sizeof(buf), 2ULL << 30);
	T_EXPECTF(!strcmp(buf, "2.00 GiB (2.15 GB)"), "%s", buf);
	vj_size_string(buf, sizeof(buf), 3ULL << 40);
	T_EXPECTF(!strcmp(buf, "3.00 TiB (3.30 TB)"), "%s", buf);
	vj_size_string(buf, sizeof(buf), (1ULL << 30) + (5ULL << 20) + 123);
	T_EXPECTF(!strcmp(buf, "1029.00 MiB (1078.98 MB)"), "%s", buf);
	expect_json(vj_size(4096, VJ_HUMAN), "4096");
	vj_size_short(buf, sizeof(buf), 512ULL << 20);
	T_EXPECTF(!strcmp(buf, "512.00 MiB"), "%s", buf);
	expect_json(vj_size(256ULL << 20, 0), "268435456");
	expect_json(vj_size(256ULL << 20, VJ_HUMAN), "\"256.00 MiB (268.44 MB)\"");
}

static void test_list(void)
{
	struct pmemflush_ctx *ctx;
	struct pmemflush_region *r0, *r1, *r;
	struct pmemflush_namespace *ns;
	int n = 0;

	T_EXPECT(pmemflush_new(&ctx) == 0);
	/* region0: virtio_pmem, fsdax ext4 mounted dax,nobarrier. */
	r0 = region(ctx, 0, PMEMFLUSH_DRIVER_VIRTIO_PMEM, PMEMFLUSH_HOST_FLUSH_NONE);
	ns = ns_new(r0, "namespace0.0", PMEMFLUSH_NS_MODE_FSDAX, "pmem0", NULL);
	ns->mounts = mount(ns, "/dev/pmem0", "/mnt/pmem0", "ext4", "rw,noatime,nobarrier,dax");
	pf_namespace_finish(ns);
	r0->hazards |= ns->hazards;
	/* region1: devdax under virtio_pmem: the hazard. */
	r1 = region(ctx, 1, PMEMFLUSH_DRIVER_VIRTIO_PMEM, PMEMFLUSH_HOST_FLUSH_NONE);
	ns = ns_new(r1, "namespace1.0", PMEMFLUSH_NS_MODE_DEVDAX, NULL, "dax1.0");
	pf_namespace_finish(ns);
	r1->hazards |= ns->hazards;
	r0->next = r1;
	ctx->regions = r0;
	ctx->discovered = true;

	pmemflush_region_foreach(ctx, r)
		n++;
	T_EXPECT(n == 2);

	expect_json(vj_region(r0, 0),
		"{\"dev\":\"region0\",\"bus\":\"ndbus0\",\"provider\":\"virtio-pmem\",\"kind\":\"virtio-pmem\","
		"\"driver\":\"virtio_pmem\",\"type\":\"pmem\",\"size\":268435456,\"numa_node\":0,"
		"\"persistence_domain\":\"unknown\",\"buffered\":\"yes\","
		"\"buffered_evidence\":\"provider=virtio-pmem,virtio=virtio1:0x001b,persistence_domain=unknown\","
		"\"host_flush\":\"none\",\"hazards\":[{\"id\":\"nobarrier-on-buffered\",\"severity\":\"unsafe\","
		"\"message\":\"file system mounted nobarrier on a buffered region (or a disk with a write cache): fsync never reaches durable media\"}],"
		"\"namespaces\":[{\"dev\":\"namespace0.0\",\"mode\":\"fsdax\",\"size\":266338304,"
		"\"blockdev\":\"pmem0\",\"persist_method\":\"refused\",\"hazards\":[{\"id\":\"nobarrier-on-buffered\","
		"\"severity\":\"unsafe\",\"message\":\"file system mounted nobarrier on a buffered region "
		"(or a disk with a write cache): fsync never reaches durable media\"}],\"mounts\":[{\"source\":\"/dev/pmem0\",\"target\":\"/mnt/pmem0\","
		"\"fstype\":\"ext4\",\"dax\":true,\"options\":\"rw,noatime,nobarrier,dax\"}]}]}");

	expect_json(vj_namespace(r1->namespaces, VJ_HUMAN),
		"{\"dev\":\"namespace1.0\",\"mode\":\"devdax\",\"size\":\"254.00 MiB (266.34 MB)\","
		"\"chardev\":\"dax1.0\",\"align\":2097152,\"persist_method\":\"refused\","
		"\"hazards\":[{\"id\":\"devdax-no-host-flush\",\"severity\":\"unsafe\",\"message\":"
		"\"device dax on a buffered region without a host-flush path: nothing can make its stores "
		"durable on the host\"}],\"mounts\":[]}");

	/* The same devdax namespace under vpmem (flush attribute): no hazard. */
	r1->facts.driver = PMEMFLUSH_DRIVER_VPMEM;
	r1->facts.host_flush = PMEMFLUSH_HOST_FLUSH_VPMEM;
	pf_namespace_finish(r1->namespaces);
	expect_json(vj_hazards(r1->namespaces->hazards), "[]");
	T_EXPECT(r1->namespaces->method == PMEMFLUSH_METHOD_HOST_FLUSH);

	/* Unknown buffered state: unsafe (0.2); a driver that is not bound: null. */
	r1->facts.buffered = PMEMFLUSH_UNKNOWN;
	free(r1->driver_devname);
	r1->driver_devname = NULL;
	r1->hazards = pf_hazards_region(&r1->facts);
	expect_json(vj_hazards(r1->hazards),
		"[{\"id\":\"buffered-unknown\",\"severity\":\"unsafe\",\"message\":\"nothing the guest can "
		"verify tells whether this region is buffered: neither CPU flushes nor msync are known to "
		"reach durable media\"}]");
	{
		struct json_object *o = vj_region(r1, 0), *v;

		T_EXPECT(json_object_object_get_ex(o, "driver", &v) && v == NULL);
		T_EXPECT(json_object_object_get_ex(o, "buffered", &v) &&
			 !strcmp(json_object_get_string(v), "unknown"));
		json_object_put(o);
	}
	pmemflush_unref(ctx); /* frees the constructed snapshot */
}

/* ndctl's keys: uuid and name when the namespace has them, state when disabled. */
static bool keep_fsdax(struct pmemflush_namespace *ns, void *arg)
{
	return pmemflush_namespace_get_mode(ns) == PMEMFLUSH_NS_MODE_FSDAX;
}

static void test_ndctl_keys(void)
{
	struct pmemflush_ctx *ctx;
	struct pmemflush_region *r;
	struct pmemflush_namespace *ns, *ns2;
	struct json_object *o, *v;

	T_EXPECT(pmemflush_new(&ctx) == 0);
	r = region(ctx, 3, PMEMFLUSH_DRIVER_VIRTIO_PMEM, PMEMFLUSH_HOST_FLUSH_NONE);
	ns = ns_new(r, "namespace3.0", PMEMFLUSH_NS_MODE_FSDAX, "pmem3", NULL);
	snprintf(ns->uuid, sizeof(ns->uuid), "%s", "3a1ec5c4-85f7-4a6b-9bb9-0d1f1d5a1b2c");
	ns->name = strdup("db");
	ns2 = ns_new(r, "namespace3.1", PMEMFLUSH_NS_MODE_DEVDAX, NULL, "dax3.1");
	r->namespaces = ns;	/* ns_new() made ns2 the head: list both */
	ns->next = ns2;
	ctx->regions = r;
	ctx->discovered = true;
	o = vj_namespace(ns, 0);
	T_EXPECT(json_object_object_get_ex(o, "uuid", &v) &&
		 !strcmp(json_object_get_string(v), "3a1ec5c4-85f7-4a6b-9bb9-0d1f1d5a1b2c"));
	T_EXPECT(json_object_object_get_ex(o, "name", &v) && !strcmp(json_object_get_string(v), "db"));
	json_object_put(o);
	o = vj_namespace(ns2, 0);
	T_EXPECT(!json_object_object_get_ex(o, "uuid", &v) && !json_object_object_get_ex(o, "name", &v));
	json_object_put(o);
	/* Enabled: no state key (as ndctl); disabled: "state":"disabled". */
	o = vj_region(r, 0);
	T_EXPECT(!json_object_object_get_ex(o, "state", &v));
	T_EXPECT(!json_object_object_get_ex(o, "id", &v));	/* verbose only */
	T_EXPECT(!json_object_object_get_ex(o, "vpmem", &v));	/* not vpmem */
	json_object_put(o);
	r->enabled = false;
	o = vj_region_filtered(r, VJ_VERBOSE, keep_fsdax, NULL);
	T_EXPECT(json_object_object_get_ex(o, "state", &v) &&
		 !strcmp(json_object_get_string(v), "disabled"));
	T_EXPECT(json_object_object_get_ex(o, "id", &v) && json_object_get_int(v) == 3);
	T_EXPECT(json_object_object_get_ex(o, "namespaces", &v) && json_object_array_length(v) == 1);
	json_object_put(o);
	pmemflush_unref(ctx);
}

static void test_check(void)
{
	struct pmemflush_ctx *ctx;
	struct pmemflush_check *c;

	T_EXPECT(pmemflush_new(&ctx) == 0);
	c = calloc(1, sizeof(*c));
	c->refcount = 1;
	c->ctx = pmemflush_ref(ctx);
	c->path = strdup("/tmp/x");
	c->mount_target = strdup("/tmp");
	c->fstype = strdup("tmpfs");
	c->dax = PMEMFLUSH_NO;
	c->map_sync = PMEMFLUSH_NO;
	c->map_sync_errno = 95;
	c->method = PMEMFLUSH_METHOD_MSYNC;
	expect_json(vj_check(c, 0),
		"{\"path\":\"/tmp/x\",\"pmem\":false,\"target\":\"/tmp\",\"fstype\":\"tmpfs\",\"dax\":\"no\","
		"\"buffered\":\"no\",\"map_sync\":\"refused\",\"map_sync_errno\":95,"
		"\"persist_method\":\"msync\",\"durable\":true,\"hazards\":[]}");
	c->method = PMEMFLUSH_METHOD_REFUSED;
	T_EXPECT(pmemflush_check_is_durable(c) == 0);
	c->method = PMEMFLUSH_METHOD_MSYNC;
	c->hazards = PMEMFLUSH_HAZARD_BUFFERED_UNKNOWN;
	T_EXPECT(pmemflush_check_is_durable(c) == 0); /* unverifiable: not durable */
	c->trusted = true;			      /* ... unless trusted explicitly */
	T_EXPECT(pmemflush_check_is_durable(c) == 1);
	c->hazards |= PMEMFLUSH_HAZARD_NOBARRIER_ON_BUFFERED;
	T_EXPECT(pmemflush_check_is_durable(c) == 0);
	c->hazards = 0;
	c->trusted = false;
	c->method_forced = 1;			      /* a test knob never claims durability */
	T_EXPECT(pmemflush_check_is_durable(c) == 0);
	c->method_forced = 0;
	c->method = PMEMFLUSH_METHOD_HOST_FLUSH;      /* ... nor a flush this user may not do */
	T_EXPECT(pmemflush_check_is_durable(c) == 0);
	c->host_flush_writable = true;
	T_EXPECT(pmemflush_check_is_durable(c) == 1);
	c->reason = strdup("the reason");
	c->stack = strdup("dm-0 > pmem0");
	{
		struct json_object *o = vj_check(c, 0), *v;

		T_EXPECT(json_object_object_get_ex(o, "reason", &v) &&
			 !strcmp(json_object_get_string(v), "the reason"));
		T_EXPECT(json_object_object_get_ex(o, "stack", &v) &&
			 !strcmp(json_object_get_string(v), "dm-0 > pmem0"));
		T_EXPECT(!json_object_object_get_ex(o, "platform_trusted", &v));
		json_object_put(o);
	}
	T_EXPECT(pmemflush_check_ref(c) == c);
	T_EXPECT(pmemflush_check_unref(c) == c);
	T_EXPECT(pmemflush_check_unref(c) == NULL);
	pmemflush_unref(ctx);
}

/* vpmemctl driver --json: modules and devices of a constructed snapshot. */
static void test_drivers(void)
{
	char *holders[] = { (char *)"dax_pmem" };
	struct pmemflush_drivers d = { .refcount = 1 };
	struct pmemflush_module vpmem = {
		.drivers = &d, .name = (char *)"vpmem", .available = true,
		.state = PMEMFLUSH_MODULE_LIVE, .version = (char *)"0.1.0",
		.path = (char *)"/lib/modules/6.1.0-56-amd64/extra/vpmem.ko", .refcount = 2,
		.holders = holders, .nholders = 1, .options = (char *)"fail_next_flushes=0",
		.matches_device = true,
	};
	struct pmemflush_module vp = {
		.drivers = &d, .name = (char *)"virtio_pmem", .state = PMEMFLUSH_MODULE_NOT_LOADED,
		.refcount = -1, .blacklisted = true,
	};
	struct pmemflush_vdev v0 = {
		.drivers = &d, .devname = (char *)"virtio0",
		.modalias = (char *)"virtio:d0000001Bv00001AF4", .driver_name = (char *)"vpmem",
		.driver = PMEMFLUSH_DRIVER_VPMEM, .bus_devname = (char *)"ndbus1",
		.region_devname = (char *)"region1",
		.evidence = (char *)"bound=vpmem,vpmem=live,vpmem_available=yes,vpmem_blacklisted=no",
	};
	struct pmemflush_vdev v1 = {
		.drivers = &d, .devname = (char *)"virtio1", .driver = PMEMFLUSH_DRIVER_NONE,
		.evidence = (char *)"bound=none,vpmem=live,vpmem_available=yes,vpmem_blacklisted=no",
		.advice = PMEMFLUSH_ADVICE_UNBOUND, .advice_message = (char *)"virtio1 has no driver",
	};

	vpmem.next = &vp;
	v0.next = &v1;
	d.modules = &vpmem;
	d.vdevs = &v0;
	expect_json(vj_module(&vpmem),
		"{\"name\":\"vpmem\",\"available\":true,\"state\":\"live\",\"version\":\"0.1.0\","
		"\"path\":\"/lib/modules/6.1.0-56-amd64/extra/vpmem.ko\",\"refcount\":2,"
		"\"holders\":[\"dax_pmem\"],\"blacklisted\":false,\"options\":\"fail_next_flushes=0\","
		"\"matches_device\":true}");
	/* Not loaded: no refcount, no version, no path; blacklisted. */
	expect_json(vj_module(&vp),
		"{\"name\":\"virtio_pmem\",\"available\":false,\"state\":\"not-loaded\","
		"\"holders\":[],\"blacklisted\":true,\"matches_device\":false}");
	T_EXPECT(vj_driver_advice(&v0) == NULL);
	expect_json(vj_vdev(&v1),
		"{\"dev\":\"virtio1\",\"driver\":null,"
		"\"driver_evidence\":\"bound=none,vpmem=live,vpmem_available=yes,vpmem_blacklisted=no\","
		"\"driver_advice\":{\"id\":\"unbound\",\"message\":\"virtio1 has no driver\"}}");
	expect_json(vj_drivers(&d),
		"{\"modules\":[{\"name\":\"vpmem\",\"available\":true,\"state\":\"live\",\"version\":\"0.1.0\","
		"\"path\":\"/lib/modules/6.1.0-56-amd64/extra/vpmem.ko\",\"refcount\":2,"
		"\"holders\":[\"dax_pmem\"],\"blacklisted\":false,\"options\":\"fail_next_flushes=0\","
		"\"matches_device\":true},{\"name\":\"virtio_pmem\",\"available\":false,"
		"\"state\":\"not-loaded\",\"holders\":[],\"blacklisted\":true,\"matches_device\":false}],"
		"\"devices\":[{\"dev\":\"virtio0\",\"modalias\":\"virtio:d0000001Bv00001AF4\","
		"\"driver\":\"vpmem\",\"bus\":\"ndbus1\",\"region\":\"region1\","
		"\"driver_evidence\":\"bound=vpmem,vpmem=live,vpmem_available=yes,vpmem_blacklisted=no\"},"
		"{\"dev\":\"virtio1\",\"driver\":null,"
		"\"driver_evidence\":\"bound=none,vpmem=live,vpmem_available=yes,vpmem_blacklisted=no\","
		"\"driver_advice\":{\"id\":\"unbound\",\"message\":\"virtio1 has no driver\"}}]}");
	/* An empty snapshot (a host without virtio-pmem). */
	d.modules = NULL;
	d.vdevs = NULL;
	expect_json(vj_drivers(&d), "{\"modules\":[],\"devices\":[]}");
}

int main(void)
{
	test_sizes();
	test_list();
	test_ndctl_keys();
	test_check();
	test_drivers();
	return t_report("test-json");
}
