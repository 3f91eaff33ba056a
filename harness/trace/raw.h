/* harness/trace/raw.h — the recorder's raw event stream (what libamtrace.so writes
 * while the program runs), shared by the shim (shim.c) and its reader (raw_read.c).
 * Field-by-field description: harness/trace/TRACE.md, "The raw recording".
 *
 * A raw file is a header, then blocks in the order they were written: event blocks
 * (one thread's events, continuing that thread's delta chain) and footers (the last
 * footer wins; none: the process died before it could write one, the trace is
 * incomplete). Every event carries a process-wide sequence number taken with one
 * relaxed atomic add: before the real call for frees (and the freeing half of a
 * realloc), after it for allocations, so an address is never live twice in sequence
 * order. Header-only: no allocation, no stdio, usable inside the shim. */
#ifndef AM_TRACE_RAW_H
#define AM_TRACE_RAW_H

#include <stdint.h>
#include <string.h>

#define AM_RAW_MAGIC "AMTRRAW\0"        /* 8 bytes, file start                      */
#define AM_RAW_VERSION 1u
#define AM_RAW_BLOCK_MAGIC 0x56454d41u  /* "AMEV": an event block                  */
#define AM_RAW_FOOT_MAGIC 0x54464d41u   /* "AMFT": a footer                        */
#define AM_RAW_FLAG_TIMESTAMPS 1u       /* header flags: every event has a time delta */
#define AM_RAW_FLAG_CALL_NS 2u          /* ... and, after it, the ns spent in the real call */

/* Event kinds (low 4 bits of an event's first byte). */
enum {
  AM_RAW_MALLOC = 1,    /* size, ptr                                                 */
  AM_RAW_CALLOC,        /* size (nmemb * size), ptr                                  */
  AM_RAW_REALLOC_FREE,  /* old ptr: the freeing half of realloc/reallocarray (before) */
  AM_RAW_REALLOC,       /* call (0 realloc, 1 reallocarray), size, new ptr (after;
                           0: failed, the old block is still live)                   */
  AM_RAW_FREE,          /* ptr                                                       */
  AM_RAW_ALIGNED,       /* call (AM_RAW_CALL_*), alignment, size, ptr                */
  AM_RAW_USABLE,        /* ptr: a malloc_usable_size call (noted, not replayed)      */
  AM_RAW_THREAD_START,  /* kernel thread id                                          */
  AM_RAW_THREAD_END,    /* the thread's key destructor ran (pthread exit)            */
  AM_RAW_FAILED,        /* call (AM_RAW_CALL_*), size: an allocation that returned NULL */
  AM_RAW_KIND_MAX
};
/* Allocation calls, for ALIGNED and FAILED events and the statistics. */
enum {
  AM_RAW_CALL_ALIGNED_ALLOC = 0, AM_RAW_CALL_POSIX_MEMALIGN, AM_RAW_CALL_MEMALIGN, AM_RAW_CALL_VALLOC,
  AM_RAW_CALL_PVALLOC, AM_RAW_CALL_MALLOC, AM_RAW_CALL_CALLOC, AM_RAW_CALL_REALLOC, AM_RAW_CALL_REALLOCARRAY,
  AM_RAW_CALL_MAX
};

/* File header (little-endian, packed by hand): magic[8], u32 version, u32 flags,
 * u64 pid, u64 ppid, u64 start (CLOCK_REALTIME ns), u64 exec generation, then four
 * strings, each u32 length + bytes: executable, command line (arguments separated by
 * NUL), libc version, clock name. */
typedef struct am_raw_block_s {
  uint32_t magic;       /* AM_RAW_BLOCK_MAGIC                                         */
  uint32_t thread;      /* trace thread index (0: the first thread that allocated)    */
  uint32_t bytes;       /* payload bytes that follow                                   */
  uint32_t events;      /* events in the payload                                       */
} am_raw_block_t;

/* Footer: counts when it was written. */
typedef struct am_raw_footer_s {
  uint32_t magic;       /* AM_RAW_FOOT_MAGIC                                          */
  uint32_t reason;      /* 1 process exit (destructor), 2 exec, 3 late event after exit */
  uint64_t events;      /* events written so far (all blocks before this footer)      */
  uint64_t threads;     /* thread indices handed out                                  */
  uint64_t free_null;   /* free(NULL) calls (not events)                              */
  uint64_t by_kind[AM_RAW_KIND_MAX]; /* events per kind                               */
} am_raw_footer_t;

#define AM_RAW_MAX_EVENT 64   /* bytes one encoded event can take                     */

/* LEB128 varint and zigzag. */
static inline unsigned char *am_raw_put(unsigned char *p, uint64_t v) {
  while (v >= 0x80) { *p++ = (unsigned char)(v | 0x80); v >>= 7; }
  *p++ = (unsigned char)v;
  return p;
}
static inline uint64_t am_raw_zz(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t am_raw_unzz(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }
/* Read a varint from [*p, end); 0, or -1 when it runs past end or over 10 bytes. */
static inline int am_raw_get(const unsigned char **p, const unsigned char *end, uint64_t *out) {
  uint64_t v = 0;
  for (unsigned shift = 0; shift < 70; shift += 7) {
    if (*p >= end) return -1;
    unsigned char b = *(*p)++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) { *out = v; return 0; }
  }
  return -1;
}

#endif /* AM_TRACE_RAW_H */
