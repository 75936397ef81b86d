// SPDX-License-Identifier: GPL-2.0
/* The user-space kernel environment of tests/shim/shim.h. */
#include <time.h>
#include <linux/kho_radix_tree.h>
#include <trace/events/kho.h>
#include <linux/fault-inject.h>
#include "shim.h"
#include "shim_ctl.h"

unsigned long shim_warnings;
unsigned long shim_pages_live;
long shim_fail_after = -1;
bool shim_trace_enabled;
bool shim_yield_on_unlock;
static pthread_mutex_t shim_trace_lock = PTHREAD_MUTEX_INITIALIZER;
bool shim_trace_count_only;
struct shim_trace_event *shim_events;
size_t shim_nr_events, shim_events_cap;

void shim_warn(const char *file, int line, const char *cond)
{
	shim_warnings++;
	if (getenv("SHIM_VERBOSE"))
		fprintf(stderr, "WARNING: %s:%d: %s\n", file, line, cond);
}

/*
 * The tree's fault attribute: kho_radix_alloc_node() asks it before it
 * takes a page from its spares, the page allocator or memblock.
 */
bool should_fail(struct fault_attr *attr, long size)
{
	return shim_fail_after >= 0 && shim_fail_after-- == 0;
}

unsigned long get_zeroed_page(gfp_t gfp)
{
	void *p;

	/* The page, then its struct page (virt_to_page()). */
	if (posix_memalign(&p, PAGE_SIZE, PAGE_SIZE + sizeof(struct page)))
		return 0;
	memset(p, 0, PAGE_SIZE + sizeof(struct page));
	__atomic_add_fetch(&shim_pages_live, 1, __ATOMIC_RELAXED);
	return (unsigned long)p;
}

void free_page(unsigned long addr)
{
	if (!addr)
		return;
	/* The page allocator expects the owner to have cleared it. */
	assert(!virt_to_page((void *)addr)->private);
	__atomic_sub_fetch(&shim_pages_live, 1, __ATOMIC_RELAXED);
	free((void *)addr);
}

void *memblock_alloc(size_t size, size_t align)
{
	return size == PAGE_SIZE ? (void *)get_zeroed_page(0) : NULL;
}

void memblock_free(void *p, size_t size)
{
	free_page((unsigned long)p);
}

u64 local_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Overridden by tests built against a tree that has generations. */
__attribute__((weak)) u64 shim_tree_gen(const struct kho_radix_tree *tree)
{
	return 0;
}

void shim_trace(enum shim_event type, const struct kho_radix_tree *tree,
		unsigned long a, unsigned long b, int ret,
		const u64 *extra, unsigned int nr_extra)
{
	struct shim_trace_event *e;

	if (shim_trace_count_only) {
		shim_nr_events++;
		return;
	}
	/* Threads record in one order: the events under a tree lock, its order. */
	pthread_mutex_lock(&shim_trace_lock);
	if (shim_nr_events == shim_events_cap) {
		shim_events_cap = shim_events_cap ? shim_events_cap * 2 : 1024;
		shim_events = realloc(shim_events, shim_events_cap * sizeof(*e));
		if (!shim_events)
			abort();
	}
	e = &shim_events[shim_nr_events++];
	memset(e, 0, sizeof(*e));
	e->type = type;
#ifndef SHIM_STOCK	/* stock 7.3's trees have no id (and send no events) */
	e->tree = tree->id;
#endif
	e->a = a;
	e->b = b;
	e->ret = ret;
	e->nr_extra = nr_extra < SHIM_NR_EXTRA ? nr_extra : SHIM_NR_EXTRA;
	if (extra)
		memcpy(e->x, extra, e->nr_extra * sizeof(*extra));
	pthread_mutex_unlock(&shim_trace_lock);
}

void shim_trace_reset(void)
{
	shim_nr_events = 0;
}
