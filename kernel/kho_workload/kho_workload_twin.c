// SPDX-License-Identifier: GPL-2.0
/*
 * The workload driver again, as a module of another name: loaded where
 * kho_workload was, its calls of the preservation API are its own, and a
 * tracer must not count them as kho_workload's (tests/vm/callers.sh).
 * Load one of the two at a time: they share their debugfs directory.
 */
#include "kho_workload.c"
