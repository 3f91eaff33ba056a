/* harness/runner/engine_validate.c — is a workload executable (engine.h)? Every op's
 * slot, channel, phase, alignment and carrier index in range, the set-up stream only
 * malloc/calloc/free, every pair channel's capacity enough for its SENDs and no RECV
 * without its SEND. Runs before anything is allocated, and again on each chunk. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "engine_int.h"

/* carried: NULL, or the channels holding what earlier chunks sent and nobody received
 * yet (compacted: their tail is that count). */
int am_engine_validate(const am_workload_t *w, const am_chan_t *carried, char *why, size_t cap) {
  if (w == NULL || w->n_threads == 0 || w->streams == NULL) {
    snprintf(why, cap, "no streams");
    return -1;
  }
  size_t nc = w->n_channels ? w->n_channels : 1;
  size_t len = 2 * nc * sizeof(size_t);
  size_t *sends = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (sends == MAP_FAILED) { snprintf(why, cap, "mmap: %s", strerror(errno)); return -1; }
  size_t *recvs = sends + nc;
  int rc = 0;
  for (unsigned t = 0; t < w->n_threads && rc == 0; t++) {
    const am_stream_t *st = &w->streams[t];
    if (st->n_ops != 0 && st->ops == NULL) { snprintf(why, cap, "thread %u: no ops", t); rc = -1; }
    for (size_t i = 0; i < st->n_ops && rc == 0; i++) {
      const am_op_t *op = &st->ops[i];
      const char *bad = NULL;
      if (op->kind < AM_OP_MALLOC || op->kind >= AM_OP_KIND_MAX) bad = "unknown op kind";
      else if (op->kind != AM_OP_PHASE && op->kind != AM_OP_RESPAWN && op->slot >= st->n_slots) bad = "slot out of range";
      else if (op->touch > AM_TOUCH_PAGES) bad = "unknown touch mode";
      else if (op->kind == AM_OP_ALIGNED && op->arg >= 8 * sizeof(size_t) - 1) bad = "alignment out of range";
      else if ((op->kind == AM_OP_SEND || op->kind == AM_OP_RECV) && op->arg >= w->n_channels) bad = "channel out of range";
      else if (op->kind == AM_OP_PHASE && op->arg >= w->n_phases) bad = "phase index out of range";
      else if ((op->kind == AM_OP_PACK || op->kind == AM_OP_UNPACK) && op->size >= st->n_slots) bad = "carrier slot out of range";
      if (bad != NULL) {
        snprintf(why, cap, "thread %u op %zu (kind %u, slot %u, arg %u): %s", t, i, op->kind, op->slot, op->arg, bad);
        rc = -1;
      }
      if (op->kind == AM_OP_SEND) sends[op->arg]++;
      if (op->kind == AM_OP_RECV) recvs[op->arg]++;
    }
  }
  for (unsigned c = 0; c < w->n_channels && rc == 0 && carried != NULL; c++) {
    size_t k = am_chan_inflight(&carried[c]);
    sends[c] += k;
    if (rc == 0 && k > w->channel_capacity[c]) { snprintf(why, cap, "channel %u: %zu in flight", c, k); rc = -1; }
  }
  for (size_t i = 0; i < w->n_setup && rc == 0; i++) { /* the main thread's set-up */
    const am_op_t *op = &w->setup[i];
    const char *bad = NULL;
    if (op->kind != AM_OP_MALLOC && op->kind != AM_OP_CALLOC && op->kind != AM_OP_FREE) bad = "not malloc, calloc or free";
    else if (op->arg >= w->n_threads) bad = "thread out of range";
    else if (op->slot >= w->streams[op->arg].n_slots) bad = "slot out of range";
    else if (op->touch > AM_TOUCH_PAGES || op->touch == AM_TOUCH_VERIFY) bad = "touch mode not for set-up";
    if (bad != NULL) {
      snprintf(why, cap, "set-up op %zu (kind %u, thread %u, slot %u): %s", i, op->kind, op->arg, op->slot, bad);
      rc = -1;
    }
  }
  for (unsigned c = 0; c < w->n_channels && rc == 0; c++) {
    int shared = w->channel_spec != NULL && w->channel_spec[c].kind != AM_CHAN_PAIR;
    if (sends[c] > w->channel_capacity[c] && !shared) { /* a shared queue is bounded: SEND waits */
      snprintf(why, cap, "channel %u: %zu SENDs but capacity %zu", c, sends[c], w->channel_capacity[c]);
      rc = -1;
    } else if (recvs[c] > sends[c]) {
      snprintf(why, cap, "channel %u: %zu RECVs but only %zu SENDs (would wait forever)", c, recvs[c], sends[c]);
      rc = -1;
    }
  }
  munmap(sends, len);
  return rc;
}

int am_workload_validate(const am_workload_t *w, char *why, size_t cap) { return am_engine_validate(w, NULL, why, cap); }
