/* tests/backends/nomalloc.c — a shared object that exports no malloc: `-b so:` on it must
 * give status `error` with the reason, not a benchmark of glibc under its name. */
int am_nomalloc_answer(void);
int am_nomalloc_answer(void) { return 42; }
