/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space shim of <trace/events/kho.h>: every event is recorded by
 * shim_trace() (shim.c) so that tests can assert them.
 *
 * The same shim serves the baseline tree (whose end events carry only the
 * result) and the current one (result, generation, changed flag and
 * duration): the end events take their trailing arguments as a list.
 */
#ifndef _TRACE_KHO_H
#define _TRACE_KHO_H

#include "../../shim.h"

struct kho_radix_tree;

enum shim_event {
	EV_NODE_ALLOC,
	EV_NODE_FREE,
	EV_PRESERVE_BEGIN,
	EV_PRESERVE_END,
	EV_UNPRESERVE_BEGIN,
	EV_UNPRESERVE_END,
	EV_WALK_BEGIN,
	EV_WALK_END,
	EV_COUNTS,
	EV_KEY_ADD,		/* a key a _locked add added */
	EV_KEY_DEL,		/* a key a _locked delete removed */
	NR_SHIM_EVENTS,
};

/* The trailing arguments of an end event, after its result. */
enum shim_extra {
	SHIM_X_GEN,		/* generation the call left the tree in */
	SHIM_X_CHANGED,		/* key end events: the call changed the tree */
	SHIM_X_DURATION,	/* nanoseconds, 0 when not timed */
	SHIM_NR_EXTRA,
};

struct shim_trace_event {
	enum shim_event type;
	unsigned int tree;
	unsigned long a;	/* key, level or keys visited */
	unsigned long b;	/* node address or nodes visited */
	int ret;
	unsigned int nr_extra;	/* how many of x[] the event carried */
	u64 x[SHIM_NR_EXTRA];	/* node events: x[SHIM_X_GEN] only */
};

extern bool shim_trace_enabled;
void shim_trace(enum shim_event type, const struct kho_radix_tree *tree,
		unsigned long a, unsigned long b, int ret,
		const u64 *extra, unsigned int nr_extra);
/* The tree's generation for node events; 0 for trees that have none. */
u64 shim_tree_gen(const struct kho_radix_tree *tree);

/*
 * Is an event on? In the kernel, a static key: a NOP while the event is off,
 * which costs nothing and keeps the event's arguments (a clock read among
 * them) out of the path. Built with SHIM_EVENTS_OFF, as the benchmarks of the
 * tracing-off cost are, the shim does the same: every event is compiled
 * out. Otherwise one flag turns every event on or off at run time, for the
 * tests, and for the benchmark of what the events cost when on.
 */
#ifdef SHIM_EVENTS_OFF
#define shim_trace_on()	false
#else
#define shim_trace_on()	unlikely(shim_trace_enabled)
#endif

#define SHIM_EXTRA(...)	((const u64[]){ 0, ##__VA_ARGS__ }) + 1, \
	(unsigned int)(sizeof((const u64[]){ 0, ##__VA_ARGS__ }) / sizeof(u64) - 1)
#define SHIM_TRACE(...)	do {						\
		if (shim_trace_on())					\
			shim_trace(__VA_ARGS__);			\
	} while (0)
#define SHIM_TRACE_NODE(ev, t, l, n)	do {				\
		if (shim_trace_on()) {					\
			u64 __gen = shim_tree_gen(t);			\
			shim_trace(ev, t, l, (uintptr_t)(n), 0, &__gen, 1); \
		}							\
	} while (0)

#define trace_kho_radix_node_alloc(t, l, n)	SHIM_TRACE_NODE(EV_NODE_ALLOC, t, l, n)
#define trace_kho_radix_node_free(t, l, n)	SHIM_TRACE_NODE(EV_NODE_FREE, t, l, n)
#define trace_kho_preserve_begin(t, k)		SHIM_TRACE(EV_PRESERVE_BEGIN, t, k, 0, 0, NULL, 0)
#define trace_kho_preserve_end(t, k, r, ...)	\
	SHIM_TRACE(EV_PRESERVE_END, t, k, 0, r, SHIM_EXTRA(__VA_ARGS__))
#define trace_kho_unpreserve_begin(t, k)	SHIM_TRACE(EV_UNPRESERVE_BEGIN, t, k, 0, 0, NULL, 0)
#define trace_kho_unpreserve_end(t, k, r, ...)	\
	SHIM_TRACE(EV_UNPRESERVE_END, t, k, 0, r, SHIM_EXTRA(__VA_ARGS__))
#define trace_kho_radix_key_add(t, k)		SHIM_TRACE(EV_KEY_ADD, t, k, 0, 0, NULL, 0)
#define trace_kho_radix_key_del(t, k)		SHIM_TRACE(EV_KEY_DEL, t, k, 0, 0, NULL, 0)
#define trace_kho_radix_walk_begin(t)		SHIM_TRACE(EV_WALK_BEGIN, t, 0, 0, 0, NULL, 0)
#define trace_kho_radix_walk_end(t, k, n, r, ...) \
	SHIM_TRACE(EV_WALK_END, t, k, n, r, SHIM_EXTRA(__VA_ARGS__))

/* a: keys in all, b: nodes in all; x[SHIM_X_GEN] the generation. */
#define trace_kho_radix_counts(t, c)	do {				\
		if (shim_trace_on()) {					\
			unsigned long __k = 0, __n = 0;			\
			unsigned int __i;				\
									\
			for (__i = 0; __i < ARRAY_SIZE((c)->keys); __i++) \
				__k += (c)->keys[__i];			\
			for (__i = 0; __i < ARRAY_SIZE((c)->nodes); __i++) \
				__n += (c)->nodes[__i];			\
			shim_trace(EV_COUNTS, t, __k, __n, 0, &(c)->gen, 1); \
		}							\
	} while (0)

#define trace_kho_preserve_end_enabled()	shim_trace_on()
#define trace_kho_unpreserve_end_enabled()	shim_trace_on()
#define trace_kho_radix_walk_end_enabled()	shim_trace_on()

#endif /* _TRACE_KHO_H */
