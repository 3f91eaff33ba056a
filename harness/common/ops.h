/* harness/common/ops.h — the operation streams: what a pattern compiles into and what
 * the replay engine executes. The contract between the generator (common/gen*.c)
 * and the engine (runner/engine*.c).
 *
 * A workload is one stream of ops per worker thread plus the channels that carry
 * objects between threads. Streams are generated before the timer starts, from the
 * pattern and the seed alone, so they are identical on every backend; their checksum
 * goes into the results. Stream memory comes from mmap, never from the allocator under
 * test, so that the backend's heap holds only the workload's own blocks.
 *
 * Each thread owns `n_slots` object slots (pointer + requested size), also mmap'd.
 * An op names a slot of its own thread; hand-off between threads goes through a
 * channel: SEND moves the object out of a slot into a channel, RECV moves the oldest
 * object of a channel into a slot (waiting until one is there). Channels are
 * unbounded FIFO queues preallocated to `channel_capacity[c]` entries (the number of
 * SENDs on that channel), so SEND never waits. The generator guarantees that the
 * streams cannot deadlock: every RECV is matched by a SEND on another thread that
 * does not itself wait on this thread.
 */
#ifndef AM_OPS_H
#define AM_OPS_H

#include <stddef.h>
#include <stdint.h>

typedef enum am_op_kind_e {
  AM_OP_MALLOC = 1, /* slot <- malloc(size)                                       */
  AM_OP_CALLOC,     /* slot <- calloc(1, size)                                    */
  AM_OP_REALLOC,    /* slot <- realloc(slot, size) (slot may be empty: malloc)    */
  AM_OP_ALIGNED,    /* slot <- aligned_alloc(1 << arg, size)                      */
  AM_OP_FREE,       /* free(slot); slot becomes empty                             */
  AM_OP_SEND,       /* channel[arg] <- slot's object; slot becomes empty          */
  AM_OP_RECV,       /* slot <- oldest object of channel[arg] (waits)              */
  AM_OP_WRITE,      /* write the slot's block, `size` store rounds (false sharing)*/
  AM_OP_PHASE,      /* phase boundary: phase `arg` starts here (timestamped)      */
  AM_OP_RESPAWN,    /* this worker thread exits; a new thread goes on with the stream */
  AM_OP_PACK,       /* batch hand-off: the carrier block in slot `size` stores the slot's
                       object at entry `arg` (and adds its size to the carrier's total);
                       the slot becomes empty                                       */
  AM_OP_UNPACK,     /* slot <- entry `arg` of the carrier block in slot `size`; entry 0
                       also counts the carrier's total as freed (live bytes, engine.h) */
  AM_OP_PAUSE,      /* a recorded trace's gap: in a paced replay, wait `size` ns (busy);
                       else nothing (harness/trace/TRACE.md, "Paced replay")         */
  AM_OP_KIND_MAX
} am_op_kind_t;

/* What is done to a fresh block (allocation ops) and checked before FREE. */
typedef enum am_touch_e {
  AM_TOUCH_NONE = 0,   /* nothing                                                  */
  AM_TOUCH_FIRST,      /* write the first byte                                     */
  AM_TOUCH_ALL,        /* memset the whole block                                   */
  AM_TOUCH_VERIFY,     /* fill with a pattern derived from the slot; check on free */
  AM_TOUCH_PAGES       /* write one byte at every 4 KiB offset (0, 4096, ...) and the last
                          byte: commits every page of the block (rptest)             */
} am_touch_t;

/* A carrier block (batch hand-off, patterns/README.md): a header word, then one pointer
 * per entry. The header holds the sum of the requested sizes of the packed objects. */
#define AM_CARRIER_BYTES(n) (8u + 8u * (uint64_t)(n))

/* How a channel carries objects (am_workload_t.channel_spec). */
typedef enum am_chan_kind_e {
  AM_CHAN_PAIR = 0,  /* one sender, one receiver: lock-free FIFO, a waiting RECV spins, then yields */
  AM_CHAN_SHARED     /* any senders and receivers: a mutex-protected queue; a RECV that finds it
                        empty and a SEND that finds `bound` messages in it sleep on a condition
                        variable                                                       */
} am_chan_kind_t;

typedef struct am_chan_spec_s {
  uint8_t kind;      /* am_chan_kind_t                                                   */
  uint8_t lifo;      /* shared: 1 the newest message is taken first (a stack), 0 FIFO     */
  uint16_t pad;
  uint32_t bound;    /* shared: most messages in the queue (a SEND waits); 0 unbounded      */
} am_chan_spec_t;

/* One operation, 16 bytes. */
typedef struct am_op_s {
  uint8_t kind;   /* am_op_kind_t                                     */
  uint8_t touch;  /* am_touch_t, for allocation ops                   */
  uint16_t arg;   /* ALIGNED: log2 alignment; SEND/RECV: channel; PHASE: index */
  uint32_t slot;  /* slot index in this thread's slot table           */
  uint64_t size;  /* bytes requested; WRITE: store rounds             */
} am_op_t;
_Static_assert(sizeof(am_op_t) == 16, "am_op_t must stay 16 bytes");

typedef struct am_stream_s {
  am_op_t *ops;        /* mmap'd                                       */
  size_t n_ops;
  uint32_t n_slots;    /* slots this thread uses (max slot index + 1)  */
} am_stream_t;

typedef struct am_workload_s {
  unsigned n_threads;
  am_stream_t *streams;          /* n_threads entries                          */
  unsigned n_channels;
  size_t *channel_capacity;      /* n_channels entries: SENDs on each channel; a
                                    shared channel: the most messages it can hold
                                    (its bound, if lower)                        */
  am_chan_spec_t *channel_spec;  /* n_channels entries: how each one carries      */
  /* Set-up stream, run by the process's main thread before each replay, untimed
   * (patterns/README.md, window `fill: "main"`): MALLOC, CALLOC and FREE ops whose
   * `arg` names the worker thread whose slot `slot` they fill or empty. Its ops are
   * not counted in total_ops / alloc_ops / free_ops; its hash is in the checksum. */
  am_op_t *setup;
  size_t n_setup;
  unsigned n_phases;             /* PHASE markers used (0: none)               */
  uint64_t total_ops;            /* sum of n_ops, PHASE markers excluded       */
  uint64_t alloc_ops, free_ops;  /* counts by kind, for the results            */
  uint64_t peak_live_bytes;      /* exact for one thread; for several, the sum
                                    of per-thread peaks in the generator's
                                    lockstep schedule: with hand-off not a bound
                                    of the run-time peak either way, which the
                                    engine observes instead (results/README.md) */
  uint64_t checksum;             /* am_ops_hash per stream, combined in thread
                                    order (below); 0 until a chunked workload's
                                    last chunk is generated                     */
} am_workload_t;

/* The stream checksum: FNV-1a 64 taken a 64-bit word at a time (two words per op:
 * kind | touch << 8 | arg << 16 | slot << 32, then size). Each thread's stream is
 * hashed on its own from the FNV offset basis (h_t = am_ops_hash(SEED, ops_t, n_t));
 * the workload checksum is FNV-1a over the words h_0 .. h_{T-1}, again from the basis
 * (am_ops_hash_combine), followed, when there is a set-up stream, by its hash. Per-thread hashes let a stream generated in chunks (pattern.h,
 * am_gen_*) be hashed chunk by chunk with the same result as the whole stream.
 * Word-wise rather than byte-wise so that hashing costs ~1 ns/op, not ~15. */
#define AM_OPS_HASH_SEED 0xcbf29ce484222325ull
static inline uint64_t am_ops_hash(uint64_t h, const am_op_t *ops, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const am_op_t *o = &ops[i];
    uint64_t w0 = (uint64_t)o->kind | (uint64_t)o->touch << 8 | (uint64_t)o->arg << 16 |
                  (uint64_t)o->slot << 32;
    h = (h ^ w0) * 0x100000001b3ull;
    h = (h ^ o->size) * 0x100000001b3ull;
  }
  return h;
}
static inline uint64_t am_ops_hash_combine(uint64_t h, uint64_t thread_hash) {
  return (h ^ thread_hash) * 0x100000001b3ull;
}

#endif /* AM_OPS_H */
