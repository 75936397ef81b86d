/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space shim of <trace/events/kho.h>: every event is recorded by
 * shim_trace() (shim.c) so that tests can assert them.
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
	NR_SHIM_EVENTS,
};

struct shim_trace_event {
	enum shim_event type;
	unsigned int tree;
	unsigned long a;	/* key, level or keys visited */
	unsigned long b;	/* node address or nodes visited */
	int ret;
};

extern bool shim_trace_enabled;
void shim_trace(enum shim_event type, const struct kho_radix_tree *tree,
		unsigned long a, unsigned long b, int ret);

#define trace_kho_radix_node_alloc(t, l, n)	shim_trace(EV_NODE_ALLOC, t, l, (uintptr_t)(n), 0)
#define trace_kho_radix_node_free(t, l, n)	shim_trace(EV_NODE_FREE, t, l, (uintptr_t)(n), 0)
#define trace_kho_preserve_begin(t, k)		shim_trace(EV_PRESERVE_BEGIN, t, k, 0, 0)
#define trace_kho_preserve_end(t, k, r)		shim_trace(EV_PRESERVE_END, t, k, 0, r)
#define trace_kho_unpreserve_begin(t, k)	shim_trace(EV_UNPRESERVE_BEGIN, t, k, 0, 0)
#define trace_kho_unpreserve_end(t, k, r)	shim_trace(EV_UNPRESERVE_END, t, k, 0, r)
#define trace_kho_radix_walk_begin(t)		shim_trace(EV_WALK_BEGIN, t, 0, 0, 0)
#define trace_kho_radix_walk_end(t, k, n, r)	shim_trace(EV_WALK_END, t, k, n, r)

#endif /* _TRACE_KHO_H */
