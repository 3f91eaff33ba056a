/* harness/trace/trace_fmt.h — the byte layout of a replay-ready .amtrace file, shared
 * by its one writer (trace_write.c) and its one reader (trace_read.c). TRACE.md
 * describes every field; all integers are little-endian.
 *
 *   header   magic "AMTRACE\0", u32 version, u32 header bytes, u32 flags, u32 threads,
 *            u64 pid, u64 ppid, u64 start (unix ns), then strings (u32 length + bytes):
 *            program, command line, libc, clock, source
 *   chunks   for chunk 0..C-1, for thread 0..T-1: a block header (am_tf_block_t) and
 *            its payload (ops coded as below, zstd-compressed when codec is 1)
 *   footer   am_tf_footer_t, then per thread am_tf_thread_t, per channel
 *            am_tf_channel_t, per chunk u64 offset, then u32 length + stats JSON
 *   trailer  am_tf_trailer_t: where the footer is, so a reader starts at the end
 *
 * An op in a payload: one byte kind (am_op_kind_t), varint slot, then MALLOC CALLOC
 * REALLOC: varint size; ALIGNED: varint log2 alignment, varint size; FREE: varint
 * size; SEND RECV: varint channel. (The timestamps flag says the recording had
 * timestamps, which the statistics use; ops carry none.) */
#ifndef AM_TRACE_FMT_H
#define AM_TRACE_FMT_H

#include <stdint.h>

#define AM_TF_MAGIC "AMTRACE\0"
#define AM_TF_VERSION 1u
#define AM_TF_END_MAGIC "AMTREND\0"
#define AM_TF_BLOCK_MAGIC 0x4b434d41u   /* "AMCK"                                  */
#define AM_TF_FOOT_MAGIC 0x4f464d41u    /* "AMFO"                                  */
#define AM_TF_FLAG_TIMESTAMPS 1u
#define AM_TF_FLAG_COMPLETE 2u
#define AM_TF_CODEC_NONE 0u
#define AM_TF_CODEC_ZSTD 1u

typedef struct am_tf_block_s {
  uint32_t magic, chunk, thread, n_ops;
  uint32_t raw_bytes, stored_bytes, codec, fnv;   /* fnv: FNV-1a 32 of the stored bytes */
} am_tf_block_t;

typedef struct am_tf_footer_s {
  uint32_t magic, version;
  uint32_t threads, channels, chunks, recorded_threads;
  uint64_t ops, stream_ops;
  uint64_t by_kind[16];                 /* am_op_kind_t index                         */
  uint64_t peak_live_bytes, peak_live_objects;
  uint64_t orphan_frees, orphan_reallocs, repaired, failed, free_null;
  uint64_t end_live_bytes, end_live_objects;
  uint64_t checksum, max_raw, max_stored;
  uint32_t flags, stats_bytes;
} am_tf_footer_t;

typedef struct am_tf_thread_s { uint32_t n_slots, pad; uint64_t n_ops, chunk_max; } am_tf_thread_t;
typedef struct am_tf_channel_s { uint32_t src, dst; uint64_t capacity; } am_tf_channel_t;
typedef struct am_tf_trailer_s { uint64_t footer_off; uint32_t footer_bytes, footer_fnv; char magic[8]; } am_tf_trailer_t;

static inline uint32_t am_tf_fnv32(const void *p, uint64_t n) {
  const unsigned char *c = p;
  uint32_t h = 2166136261u;
  for (uint64_t i = 0; i < n; i++) h = (h ^ c[i]) * 16777619u;
  return h;
}

#endif /* AM_TRACE_FMT_H */
