/**
 * Preload used only when profiling (BENCH_PROFILE): Node writes `--cpu-prof`
 * profiles on a normal exit, and the server has no SIGTERM handler of its own.
 */
for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => process.exit(0));
