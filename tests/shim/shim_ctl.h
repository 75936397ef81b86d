/* SPDX-License-Identifier: GPL-2.0 */
/* What tests can see and steer in the shim environment. */
#ifndef __KHO_SHIM_CTL_H
#define __KHO_SHIM_CTL_H

#include <stdbool.h>
#include <stddef.h>

struct shim_trace_event;

extern unsigned long shim_warnings;
extern unsigned long shim_pages_live;	/* pages allocated and not freed */
/* Node allocations left before one fails (the tree's fault attribute): 0 fails the next; -1 never. */
extern long shim_fail_after;
extern bool shim_trace_enabled;
/* Yield after every mutex_unlock() (tests of what happens right after one). */
extern bool shim_yield_on_unlock;
/* Count events in shim_nr_events without recording them (benchmarks). */
extern bool shim_trace_count_only;
extern struct shim_trace_event *shim_events;
extern size_t shim_nr_events;
void shim_trace_reset(void);

#endif /* __KHO_SHIM_CTL_H */
