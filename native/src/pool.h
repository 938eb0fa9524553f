// A small fixed thread pool: the calling (JS) thread plus n-1 helpers. Work is handed out as
// task indices; every task writes a disjoint part of the output, so results never depend on
// which thread ran which task.
#pragma once
#include <functional>

namespace tfg {

/** Total threads used for a parallel region, caller included (>= 1). */
int pool_threads();
/** Sets the thread count (caller included); 0 means the default (online CPUs, TFGYM_NATIVE_THREADS). */
void pool_set_threads(int n);
/** Runs fn(0..ntasks-1), spread over the pool; returns when all are done. */
void pool_run(int ntasks, const std::function<void(int)>& fn);

}  // namespace tfg
