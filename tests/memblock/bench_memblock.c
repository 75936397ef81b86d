// SPDX-License-Identifier: GPL-2.0
/*
 * The memblock side of the next kernel's restore walk, in user space: the
 * patched kernel's mm/memblock.c, built with the kernel's memblock simulator
 * (tools/testing/memblock) but without its sanitizers, reserves N scattered
 * order-0 pages (4 KiB each, 8 KiB apart: no two adjacent, so a run per key;
 * above the memory memblock allocates from) the way one of two walks does:
 *
 *   bulk        the series: ascending batches of KHO_RESERVE_BATCH runs,
 *               each with one memblock_reserve_noinit_bulk() call;
 *   one-by-one  stock 7.3: memblock_reserve() and
 *               memblock_reserved_mark_noinit() for every key.
 *
 * Everything the walk does is in reserve_all(), for callgrind's
 * --toggle-collect (scripts/bench-restore, tests/host/memblock-linear.sh).
 * The result is checked (every page reserved as a noinit region of its own)
 * and one JSON line printed: {"mode", "keys", "regions"}.
 *
 * Usage: bench_memblock bulk|one-by-one N
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* The simulator's memblock.h names it in a prototype. */
struct seq_file;
#include <linux/memblock.h>

/* As kernel/liveupdate/kexec_handover.c sizes its batches. */
#define KHO_RESERVE_BATCH	(SZ_64K / sizeof(struct memblock_region))
#define BENCH_STRIDE		SZ_8K
#define BENCH_MAX_KEYS		(1UL << 24)

/* The simulator's tests define it; memblock.c reads it. */
bool movable_node_enabled;

static int usage(void)
{
	fprintf(stderr, "usage: bench_memblock bulk|one-by-one N (1 <= N <= %lu)\n",
		BENCH_MAX_KEYS);
	return 2;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_memblock: %s\n", what);
	exit(1);
}

/* Not static, never inlined: callgrind counts from its entry to its return. */
noinline int reserve_all(const struct memblock_region *rgns,
			  unsigned long n, bool bulk)
{
	unsigned long i, cnt;
	int err;

	for (i = 0; i < n; i += cnt) {
		cnt = bulk ? n - i : 1;
		if (cnt > KHO_RESERVE_BATCH)
			cnt = KHO_RESERVE_BATCH;
		if (bulk) {
			err = memblock_reserve_noinit_bulk(&rgns[i], cnt);
		} else {
			err = memblock_reserve(rgns[i].base, rgns[i].size);
			if (!err)
				err = memblock_reserved_mark_noinit(rgns[i].base,
								    rgns[i].size);
		}
		if (err)
			return err;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct memblock_region *rgns;
	unsigned long n, i, mem_size;
	phys_addr_t base;
	char *end;
	void *mem;
	bool bulk;

	if (argc != 3)
		return usage();
	if (!strcmp(argv[1], "bulk"))
		bulk = true;
	else if (!strcmp(argv[1], "one-by-one"))
		bulk = false;
	else
		return usage();
	errno = 0;
	n = strtoul(argv[2], &end, 10);
	if (errno || *end || end == argv[2] || argv[2][0] == '-' || !n ||
	    n > BENCH_MAX_KEYS)
		return usage();

	/* Room for the reserved array as it doubles: the old and the new. */
	mem_size = 8 * n * sizeof(struct memblock_region) + SZ_1M;
	rgns = calloc(n, sizeof(*rgns));
	mem = malloc(mem_size);
	if (!rgns || !mem)
		die("out of memory");
	/* The pages lie above the memory memblock allocates from. */
	base = ((phys_addr_t)mem + mem_size + SZ_1M) & ~(phys_addr_t)(SZ_1M - 1);
	for (i = 0; i < n; i++) {
		rgns[i].base = base + i * BENCH_STRIDE;
		rgns[i].size = SZ_4K;
	}

	memblock_allow_resize();
	memblock_add((phys_addr_t)mem, mem_size);
	if (reserve_all(rgns, n, bulk))
		die("a reservation failed");

	/* The array, below the pages, then every page a noinit region. */
	if (memblock.reserved.cnt != n + 1)
		die("wrong number of reserved regions");
	for (i = 0; i < n; i++) {
		struct memblock_region *rgn = &memblock.reserved.regions[i + 1];

		if (rgn->base != rgns[i].base || rgn->size != SZ_4K ||
		    rgn->flags != MEMBLOCK_RSRV_NOINIT)
			die("a page is not reserved as it should be");
	}
	printf("{\"mode\":\"%s\",\"keys\":%lu,\"regions\":%lu}\n", argv[1], n,
	       memblock.reserved.cnt);
	return 0;
}
