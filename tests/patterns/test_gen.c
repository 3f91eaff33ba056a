/* tests/patterns/test_gen.c — the stream generator: determinism, well-formed streams
 * (streamcheck.c), estimate == build, and the semantics of each lifetime, operation
 * mix, hand-off and phase feature. Usage: test_gen [DIR...] — every *.json in each
 * folder is also built at quick scale, at each of its thread counts, and checked. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cJSON.h>
#include "pattern.h"
#include "streamcheck.h"

static int failures;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL %s:%d: ", __FILE__, __LINE__); \
                                              printf(__VA_ARGS__); printf("\n"); } } while (0)

static am_pattern_t *P(const char *text) {
  am_pattern_t *p;
  am_diag_t d;
  if (am_pattern_parse("inline.json", text, strlen(text), &p, &d) != 0) {
    printf("FAIL: pattern did not parse: %s\n", d.msg);
    failures++;
    return NULL;
  }
  return p;
}

/* Build, check the streams, compare with the estimate. */
static am_workload_t *B(const am_pattern_t *p, unsigned threads, uint64_t seed, int quick) {
  am_gen_opts_t o = {.seed = seed, .threads = threads, .quick = quick};
  am_workload_t *w;
  am_diag_t d;
  if (p == NULL) return NULL;
  if (am_workload_build(p, &o, &w, &d) != 0) { printf("FAIL: build: %s\n", d.msg); failures++; return NULL; }
  char err[256];
  CHECK(am_streamcheck(w, err, sizeof err) == 0, "%s: streams: %s", am_pattern_name(p), err);
  uint64_t ops, peak;
  CHECK(am_workload_estimate(p, &o, &ops, &peak, &d) == 0, "estimate: %s", d.msg);
  CHECK(ops == w->total_ops && peak == w->peak_live_bytes, "%s: estimate %llu ops %llu B, build %llu ops %llu B",
        am_pattern_name(p), (unsigned long long)ops, (unsigned long long)peak,
        (unsigned long long)w->total_ops, (unsigned long long)w->peak_live_bytes);
  return w;
}

static size_t count_kind(const am_workload_t *w, unsigned t, am_op_kind_t k) {
  size_t n = 0;
  for (size_t i = 0; i < w->streams[t].n_ops; i++) n += w->streams[t].ops[i].kind == k;
  return n;
}

#define HDR "{\"format\":\"allocmark-pattern/1\","
#define GOLDEN_CHECKSUM 0x35bce877419c343aull /* per-thread hashes, combined (ops.h) */
#define GOLDEN_CHAIN 0xa4dc1d190bc4921dull    /* the streams hashed as one chain: the
                                                 checksum's definition before chunking */
#define GOLDEN_OPS 20385ull

static void test_determinism(void) {
  am_pattern_t *p = P(HDR "\"seed\":7,\"phases\":[{\"allocs\":5000,\"size\":{\"dist\":\"uniform\",\"min\":1,\"max\":999},"
                      "\"lifetime\":{\"kind\":\"window\",\"live\":100}}]}");
  am_workload_t *a = B(p, 0, 0, 0), *b = B(p, 0, 0, 0), *c = B(p, 0, 8, 0), *q = B(p, 0, 0, 1);
  if (a && b && c && q) {
    CHECK(a->checksum == b->checksum, "same inputs, different checksums");
    CHECK(a->streams[0].n_ops == b->streams[0].n_ops &&
          memcmp(a->streams[0].ops, b->streams[0].ops, a->streams[0].n_ops * sizeof(am_op_t)) == 0, "streams differ");
    CHECK(a->checksum != c->checksum, "another seed gives the same checksum");
    CHECK(q->alloc_ops == 50, "quick scale: %llu allocations, expected 1%% of 5000", (unsigned long long)q->alloc_ops);
    CHECK(a->alloc_ops == 5000 && a->free_ops == 5000, "allocs %llu frees %llu", (unsigned long long)a->alloc_ops,
          (unsigned long long)a->free_ops);
    CHECK(a->streams[0].n_slots == 100, "window of 100 used %u slots", a->streams[0].n_slots);
  }
  am_workload_free(a); am_workload_free(b); am_workload_free(c); am_workload_free(q);
  am_pattern_free(p);
}

static void test_pairs_exact(void) {
  am_pattern_t *p = P(HDR "\"phases\":[{\"allocs\":3,\"size\":48,\"touch\":\"first\"}]}");
  am_workload_t *w = B(p, 0, 0, 0);
  if (w) {
    const am_op_t *o = w->streams[0].ops;
    CHECK(w->streams[0].n_ops == 7 && w->total_ops == 6, "n_ops %zu", w->streams[0].n_ops);
    CHECK(o[0].kind == AM_OP_PHASE && o[0].arg == 0, "first op is not PHASE 0");
    CHECK(o[1].kind == AM_OP_MALLOC && o[1].size == 48 && o[1].touch == AM_TOUCH_FIRST && o[1].slot == 0, "op1");
    CHECK(o[2].kind == AM_OP_FREE && o[2].slot == 0 && o[2].size == 48, "op2");
    CHECK(w->peak_live_bytes == 48 && w->n_channels == 0 && w->n_phases == 1, "peak %llu", (unsigned long long)w->peak_live_bytes);
  }
  am_workload_free(w);
  am_pattern_free(p);
}

/* Batch frees: FIFO, LIFO and random orders over batches of 4. */
static void test_batch_orders(void) {
  const char *orders[] = {"fifo", "lifo", "random"};
  for (int k = 0; k < 3; k++) {
    char text[512];
    snprintf(text, sizeof text, HDR "\"phases\":[{\"allocs\":8,\"size\":{\"dist\":\"uniform\",\"min\":1,\"max\":100000},"
             "\"lifetime\":{\"kind\":\"batch\",\"count\":4,\"order\":\"%s\"}}]}", orders[k]);
    am_pattern_t *p = P(text);
    am_workload_t *w = B(p, 0, 0, 0);
    if (w) {
      const am_op_t *o = w->streams[0].ops + 1;
      uint64_t sizes[4];
      int in_order = 1, reversed = 1;
      for (int i = 0; i < 4; i++) { CHECK(o[i].kind == AM_OP_MALLOC, "%s: op %d", orders[k], i); sizes[i] = o[i].size; }
      for (int i = 0; i < 4; i++) {
        CHECK(o[4 + i].kind == AM_OP_FREE, "%s: op %d not FREE", orders[k], 4 + i);
        in_order &= o[4 + i].size == sizes[i];
        reversed &= o[4 + i].size == sizes[3 - i];
      }
      if (k == 0) CHECK(in_order, "fifo batch not freed in allocation order");
      if (k == 1) CHECK(reversed, "lifo batch not freed in reverse order");
      CHECK(w->streams[0].n_slots == 4, "%s: %u slots", orders[k], w->streams[0].n_slots);
    }
    am_workload_free(w);
    am_pattern_free(p);
  }
}

static void test_window_and_ops_lifetime(void) {
  am_pattern_t *p = P(HDR "\"phases\":[{\"allocs\":10000,\"size\":64,\"lifetime\":{\"kind\":\"window\",\"live\":50,"
                      "\"replace\":\"oldest\"}},{\"allocs\":10000,\"size\":32,\"lifetime\":{\"kind\":\"ops\","
                      "\"allocs\":{\"dist\":\"uniform\",\"min\":0,\"max\":20}}}]}");
  am_workload_t *w = B(p, 0, 0, 0);
  if (w) {
    CHECK(w->peak_live_bytes == 50 * 64, "window peak %llu", (unsigned long long)w->peak_live_bytes);
    CHECK(w->n_phases == 2 && w->alloc_ops == 20000, "phases %u allocs %llu", w->n_phases, (unsigned long long)w->alloc_ops);
    /* the oldest-replacement window frees in allocation order: FREE k frees MALLOC k */
    const am_op_t *o = w->streams[0].ops;
    size_t m = 0, f = 0;
    uint32_t alloc_slot[200];
    int ok = 1;
    for (size_t i = 1; i < w->streams[0].n_ops && o[i].kind != AM_OP_PHASE && m < 200; i++) {
      if (o[i].kind == AM_OP_MALLOC) alloc_slot[m++] = o[i].slot;
      else if (o[i].kind == AM_OP_FREE && f < m) ok &= o[i].slot == alloc_slot[f++];
    }
    CHECK(ok, "oldest replacement does not free the oldest object");
  }
  am_workload_free(w);
  am_pattern_free(p);
}

static void test_keep_and_free_kept(void) {
  am_pattern_t *p = P(HDR "\"phases\":[{\"allocs\":1000,\"size\":16,\"lifetime\":{\"kind\":\"phase\",\"order\":\"random\","
                      "\"keep\":0.1}},{\"allocs\":100,\"size\":4096,\"lifetime\":\"run\"},"
                      "{\"name\":\"teardown\",\"free_kept\":\"lifo\"}]}");
  am_workload_t *w = B(p, 0, 0, 0);
  if (w) {
    const am_op_t *o = w->streams[0].ops;
    size_t phase = 0, frees[3] = {0, 0, 0};
    for (size_t i = 0; i < w->streams[0].n_ops; i++) {
      if (o[i].kind == AM_OP_PHASE) phase = o[i].arg;
      if (o[i].kind == AM_OP_FREE) frees[phase]++;
    }
    CHECK(frees[0] == 900 && frees[1] == 0 && frees[2] == 200, "frees per phase %zu %zu %zu", frees[0], frees[1], frees[2]);
    CHECK(w->peak_live_bytes == 1000 * 16 - 900 * 16 + 100 * 4096 || w->peak_live_bytes == 1000 * 16,
          "peak %llu", (unsigned long long)w->peak_live_bytes);
    /* lifo: the last FREE of the teardown is the first kept object, a 16-byte one */
    CHECK(o[w->streams[0].n_ops - 1].kind == AM_OP_FREE && o[w->streams[0].n_ops - 1].size == 16, "teardown order");
  }
  am_workload_free(w);
  am_pattern_free(p);
}

static void test_mix_realloc_aligned(void) {
  am_pattern_t *p = P(HDR "\"phases\":[{\"allocs\":1,\"size\":100,\"mix\":\"realloc\",\"realloc\":{\"steps\":3,"
                      "\"factor\":2}},{\"allocs\":1,\"size\":1000,\"mix\":\"realloc\",\"realloc\":{\"steps\":4,\"factor\":0.5}},"
                      "{\"allocs\":400,\"size\":64,\"mix\":{\"aligned\":1,\"calloc\":1},\"align\":[64,4096],"
                      "\"touch\":\"verify\"}]}");
  am_workload_t *w = B(p, 0, 0, 0);
  if (w) {
    const am_op_t *o = w->streams[0].ops;
    CHECK(o[1].kind == AM_OP_REALLOC && o[1].size == 100 && o[2].size == 200 && o[3].size == 400, "grow chain");
    CHECK(o[4].kind == AM_OP_FREE && o[4].size == 400, "grow chain free");
    CHECK(o[6].size == 1000 && o[7].size == 500 && o[8].size == 250 && o[9].size == 125, "shrink chain");
    size_t al = count_kind(w, 0, AM_OP_ALIGNED), ca = count_kind(w, 0, AM_OP_CALLOC), a6 = 0, a12 = 0;
    for (size_t i = 0; i < w->streams[0].n_ops; i++)
      if (o[i].kind == AM_OP_ALIGNED) { a6 += o[i].arg == 6; a12 += o[i].arg == 12; CHECK(o[i].touch == AM_TOUCH_VERIFY, "touch"); }
    CHECK(al + ca == 400 && al > 150 && ca > 150, "mix: %zu aligned, %zu calloc", al, ca);
    CHECK(a6 + a12 == al && a6 > 50 && a12 > 50, "alignments 64: %zu, 4096: %zu", a6, a12);
  }
  am_workload_free(w);
  am_pattern_free(p);
}

static void test_producer_consumer(void) {
  am_pattern_t *p = P(HDR "\"threads\":4,\"phases\":[{\"allocs\":1000,\"size\":64,\"round\":16,\"lag\":2,"
                      "\"roles\":[{\"name\":\"producer\",\"threads\":\"50%\",\"handoff\":{\"ratio\":1,\"to\":\"consumer\"}},"
                      "{\"name\":\"consumer\",\"threads\":\"rest\",\"allocs\":0,\"write\":100}]}]}");
  am_workload_t *w = B(p, 0, 0, 0);
  if (w) {
    CHECK(count_kind(w, 0, AM_OP_SEND) == 1000 && count_kind(w, 1, AM_OP_SEND) == 1000, "producers send everything");
    CHECK(count_kind(w, 0, AM_OP_FREE) == 0 && count_kind(w, 1, AM_OP_RECV) == 0, "producers free nothing");
    CHECK(count_kind(w, 2, AM_OP_RECV) + count_kind(w, 3, AM_OP_RECV) == 2000, "consumers receive everything");
    CHECK(count_kind(w, 2, AM_OP_WRITE) == count_kind(w, 2, AM_OP_FREE), "consumer writes before each free");
    CHECK(w->n_channels == 4, "%u channels (2 producers x 2 consumers)", w->n_channels);
  }
  am_workload_free(w);
  /* the same with 2 and 6 threads */
  am_workload_free(B(p, 2, 0, 0));
  am_workload_free(B(p, 6, 0, 1));
  am_gen_opts_t o = {.threads = 1};
  am_diag_t d;
  CHECK(am_workload_build(p, &o, &w, &d) != 0 && strstr(d.msg, "roles[1].threads") != NULL, "1 thread: %s", d.msg);
  am_pattern_free(p);
}

static void test_handoff_any_respawn(void) {
  for (unsigned lag = 0; lag < 4; lag += 3) {
    char text[600];
    snprintf(text, sizeof text, HDR "\"threads\":[2,3,8],\"phases\":[{\"allocs\":3000,\"round\":32,\"lag\":%u,"
             "\"size\":{\"dist\":\"lognormal\",\"median\":100,\"sigma\":1,\"min\":8,\"max\":10000},"
             "\"lifetime\":{\"kind\":\"window\",\"live\":200},\"handoff\":{\"ratio\":0.3},\"respawn\":500},"
             "{\"allocs\":100,\"handoff\":{\"ratio\":1,\"to\":\"next\"}}]}", lag);
    am_pattern_t *p = P(text);
    unsigned counts[8];
    size_t n = p ? am_pattern_thread_counts(p, counts, 8) : 0;
    CHECK(n == 3 && counts[2] == 8, "thread sweep");
    for (size_t i = 0; i < n; i++) {
      am_workload_t *w = B(p, counts[i], 0, 0);
      if (w == NULL) continue;
      size_t sends = 0, respawns = 0;
      for (unsigned t = 0; t < w->n_threads; t++) {
        sends += count_kind(w, t, AM_OP_SEND);
        respawns += count_kind(w, t, AM_OP_RESPAWN);
      }
      CHECK(respawns == 6u * counts[i], "respawns %zu", respawns);
      /* 2800 window replacements per thread with ratio 0.3, plus phase-end objects, plus 100 to "next" */
      double per = (double)(sends - 100 * counts[i]) / counts[i];
      CHECK(per > 0.3 * 2800 * 0.85 && per < 0.3 * 3000 * 1.15, "hand-offs per thread %.0f", per);
      am_workload_free(w);
    }
    am_pattern_free(p);
  }
}

static void test_false_sharing_write(void) {
  am_pattern_t *p = P(HDR "\"threads\":3,\"phases\":[{\"allocs\":0,\"roles\":[{\"name\":\"maker\",\"threads\":1,"
                      "\"allocs\":64,\"size\":8,\"lifetime\":{\"kind\":\"batch\",\"count\":64},"
                      "\"handoff\":{\"ratio\":1,\"to\":\"writer\"}},{\"name\":\"writer\",\"write\":5000}]}]}");
  am_workload_t *w = B(p, 0, 0, 0);
  if (w) {
    size_t writes = count_kind(w, 1, AM_OP_WRITE) + count_kind(w, 2, AM_OP_WRITE);
    CHECK(writes == 64, "writes %zu", writes);
    for (size_t i = 0; i < w->streams[1].n_ops; i++)
      if (w->streams[1].ops[i].kind == AM_OP_WRITE) {
        CHECK(w->streams[1].ops[i].size == 5000 && w->streams[1].ops[i + 1].kind == AM_OP_FREE, "WRITE then FREE");
        break;
      }
  }
  am_workload_free(w);
  am_pattern_free(p);
}

/* The canonical spec parses back to the same workload. */
/* Batch hand-off over a pair channel: a carrier per 8 objects, PACK after each, the
 * receiver UNPACKs and frees every object and then the carrier. */
static void test_batch_handoff(void) {
  am_pattern_t *p = P(HDR "\"threads\":2,\"phases\":[{\"size\":24,\"lifetime\":\"pair\",\"roles\":["
                      "{\"name\":\"prod\",\"threads\":1,\"allocs\":100,\"handoff\":{\"ratio\":1,\"to\":\"cons\",\"batch\":8}},"
                      "{\"name\":\"cons\",\"allocs\":0}]}]}");
  am_workload_t *w = B(p, 2, 0, 0);
  if (w != NULL) {
    CHECK(count_kind(w, 0, AM_OP_MALLOC) == 100 + 13 && count_kind(w, 0, AM_OP_PACK) == 100 &&
          count_kind(w, 0, AM_OP_SEND) == 13, "producer: carriers, packs, sends");
    CHECK(count_kind(w, 1, AM_OP_RECV) == 13 && count_kind(w, 1, AM_OP_UNPACK) == 100 &&
          count_kind(w, 1, AM_OP_FREE) == 113, "consumer: recvs, unpacks, frees");
    CHECK(w->streams[0].ops[1].kind == AM_OP_MALLOC && w->streams[0].ops[2].kind == AM_OP_MALLOC &&
          w->streams[0].ops[2].size == AM_CARRIER_BYTES(8) && w->streams[0].ops[3].kind == AM_OP_PACK,
          "the carrier opens with the batch's first object");
    CHECK(w->n_channels == 1 && w->channel_spec[0].kind == AM_CHAN_PAIR && w->channel_capacity[0] == 13, "channel");
  }
  am_workload_free(w);
  am_pattern_free(p);
  /* A shared LIFO queue, bound 3, between 2 producers and 2 consumers: one channel. */
  p = P(HDR "\"threads\":4,\"phases\":[{\"size\":64,\"roles\":[{\"name\":\"prod\",\"threads\":\"50%\",\"allocs\":320,"
        "\"handoff\":{\"ratio\":1,\"to\":\"cons\",\"batch\":16,\"queue\":\"shared\",\"bound\":3,\"order\":\"lifo\"}},"
        "{\"name\":\"cons\",\"allocs\":0}]}]}");
  w = B(p, 4, 0, 0);
  if (w != NULL) {
    CHECK(w->n_channels == 1 && w->channel_spec[0].kind == AM_CHAN_SHARED && w->channel_spec[0].lifo == 1 &&
          w->channel_spec[0].bound == 3 && w->channel_capacity[0] == 3, "shared channel spec");
    CHECK(count_kind(w, 2, AM_OP_RECV) + count_kind(w, 3, AM_OP_RECV) == 40 && count_kind(w, 2, AM_OP_RECV) == 20,
          "receivers share the 40 batches in turn");
  }
  am_workload_free(w);
  am_pattern_free(p);
}

/* Window fill by the main thread (set-up stream), alloc-first swap, respawn in rounds,
 * touch per kind and mix_large. */
static void test_setup_and_friends(void) {
  am_pattern_t *p = P(HDR "\"threads\":2,\"phases\":[{\"allocs\":50,\"size\":{\"dist\":\"uniform\",\"min\":8,\"max\":99},"
                      "\"lifetime\":{\"kind\":\"window\",\"live\":10,\"fill\":\"main\",\"fill_churn\":2}}]}");
  am_workload_t *w = B(p, 2, 0, 0);
  if (w != NULL) {
    CHECK(w->n_setup == 20 + 2 * 20 * 2, "set-up ops: %zu", w->n_setup);
    int first_half[2] = {0, 0};
    for (size_t i = 0; i < 10; i++) first_half[w->setup[i].arg & 1]++;
    CHECK(first_half[0] > 0 && first_half[1] > 0, "the fill is dealt out in a random order");
    for (unsigned t = 0; t < 2; t++)
      CHECK(w->streams[t].ops[1].kind == AM_OP_FREE && count_kind(w, t, AM_OP_MALLOC) == 50 &&
            count_kind(w, t, AM_OP_FREE) == 60, "thread %u frees a main-thread block first", t);
  }
  am_workload_free(w);
  am_pattern_free(p);
  p = P(HDR "\"phases\":[{\"allocs\":10,\"lifetime\":{\"kind\":\"window\",\"live\":2,\"swap\":\"alloc-first\"}}]}");
  w = B(p, 1, 0, 0);
  if (w != NULL) CHECK(w->streams[0].ops[3].kind == AM_OP_MALLOC && w->streams[0].ops[4].kind == AM_OP_FREE, "alloc-first");
  am_workload_free(w);
  am_pattern_free(p);
  p = P(HDR "\"threads\":3,\"phases\":[{\"round\":1,\"lag\":2,\"allocs\":5,\"handoff\":{\"ratio\":1},"
        "\"respawn\":{\"every\":1,\"unit\":\"rounds\"}}]}");
  w = B(p, 3, 0, 0);
  if (w != NULL)
    for (unsigned t = 0; t < 3; t++) CHECK(count_kind(w, t, AM_OP_RESPAWN) == 5, "a respawn per round");
  am_workload_free(w);
  am_pattern_free(p);
  p = P(HDR "\"phases\":[{\"allocs\":2000,\"size\":{\"dist\":\"uniform\",\"min\":1,\"max\":200},"
        "\"mix\":{\"calloc\":1,\"aligned\":1},\"mix_large\":{\"from\":100,\"mix\":\"malloc\"},"
        "\"touch\":{\"calloc\":\"pages\",\"aligned\":\"all\"}}]}");
  w = B(p, 1, 0, 0);
  int bad = 0, seen[3] = {0, 0, 0};
  for (size_t i = 0; w != NULL && i < w->streams[0].n_ops; i++) {
    const am_op_t *o = &w->streams[0].ops[i];
    if (o->kind == AM_OP_MALLOC) { seen[0]++; bad |= o->size < 100 || o->touch != AM_TOUCH_NONE; }
    if (o->kind == AM_OP_CALLOC) { seen[1]++; bad |= o->size >= 100 || o->touch != AM_TOUCH_PAGES; }
    if (o->kind == AM_OP_ALIGNED) { seen[2]++; bad |= o->size >= 100 || o->touch != AM_TOUCH_ALL; }
  }
  CHECK(w && !bad && seen[0] > 0 && seen[1] > 0 && seen[2] > 0, "mix_large and touch per kind");
  /* The spec of all of the above parses back to the same streams. */
  cJSON *spec = am_pattern_spec_json(p);
  char *text = cJSON_PrintUnformatted(spec);
  am_pattern_t *q = P(text);
  am_workload_t *v = B(q, 1, 0, 0);
  CHECK(w && v && w->checksum == v->checksum, "spec round trip: touch per kind, mix_large");
  am_workload_free(v);
  am_pattern_free(q);
  cJSON_free(text);
  cJSON_Delete(spec);
  am_workload_free(w);
  am_pattern_free(p);
}

static void test_spec_roundtrip(void) {
  am_pattern_t *p = P(HDR "\"threads\":{\"from\":1,\"to\":4},\"quick_scale\":0.5,\"phases\":[{\"allocs\":300,"
                      "\"size\":{\"dist\":\"histogram\",\"bins\":[{\"min\":1,\"max\":64,\"weight\":3},{\"min\":65,\"max\":4096}]},"
                      "\"lifetime\":{\"kind\":\"ops\",\"allocs\":{\"dist\":\"pareto\",\"min\":1,\"alpha\":1.5,\"max\":500}},"
                      "\"handoff\":{\"ratio\":0.25}},{\"allocs\":40,\"size\":{\"dist\":\"choice\",\"values\":[8,24],"
                      "\"weights\":[1,3]},\"mix\":{\"malloc\":2,\"realloc\":1}},{\"allocs\":50,\"empirical\":"
                      "{\"live_bytes\":3000,\"rows\":[[8,2,10],[100,1,3]]}}]}");
  if (p == NULL) return;
  cJSON *spec = am_pattern_spec_json(p);
  char *text = cJSON_Print(spec);
  am_pattern_t *q = P(text);
  for (unsigned t = 1; q && t <= 4; t *= 2) {
    am_workload_t *a = B(p, t, 0, 1), *b = B(q, t, 0, 1);
    CHECK(a && b && a->checksum == b->checksum, "round trip at %u threads changes the streams", t);
    am_workload_free(a); am_workload_free(b);
  }
  unsigned counts[8];
  CHECK(am_pattern_thread_counts(p, counts, 8) == 3 && counts[0] == 1 && counts[1] == 2 && counts[2] == 4, "range");
  CHECK(strcmp(am_pattern_name(p), "inline") == 0 && am_pattern_repetitions(p) == 5 && am_pattern_warmup(p) == 0 &&
        am_pattern_seed(p) == 1, "defaults");
  CHECK(strlen(am_pattern_sha256(p)) == 64, "sha256");
  cJSON_free(text);
  cJSON_Delete(spec);
  am_pattern_free(q);
  am_pattern_free(p);
}

/* Golden checksums: the generator's output for these inputs is part of the results'
 * identity (same seed, same streams, across builds and machines). Integer-only
 * distributions, so no libm is involved. A deliberate change of the generator
 * changes these values: update them and say so in the change. */
static void test_golden(void) {
  am_pattern_t *p = P(HDR "\"seed\":42,\"threads\":3,\"phases\":[{\"allocs\":2000,\"size\":{\"dist\":\"uniform\","
                      "\"min\":8,\"max\":4000},\"mix\":{\"malloc\":3,\"calloc\":1,\"aligned\":1,\"realloc\":1},"
                      "\"lifetime\":{\"kind\":\"window\",\"live\":64,\"keep\":0.25},\"handoff\":{\"ratio\":0.2},"
                      "\"respawn\":700},{\"allocs\":500,\"size\":{\"dist\":\"choice\",\"values\":[16,48,4096]},"
                      "\"lifetime\":{\"kind\":\"batch\",\"count\":10,\"order\":\"random\"}}]}");
  am_workload_t *w = B(p, 0, 0, 0);
  if (w) {
    printf("golden: checksum %016llx, %llu ops, peak %llu\n", (unsigned long long)w->checksum,
           (unsigned long long)w->total_ops, (unsigned long long)w->peak_live_bytes);
    CHECK(w->checksum == GOLDEN_CHECKSUM && w->total_ops == GOLDEN_OPS, "the generator's output changed");
    uint64_t chain = AM_OPS_HASH_SEED;
    for (unsigned t = 0; t < w->n_threads; t++) chain = am_ops_hash(chain, w->streams[t].ops, w->streams[t].n_ops);
    CHECK(chain == GOLDEN_CHAIN, "the generator's streams changed");
  }
  am_workload_free(w);
  am_pattern_free(p);
}

/* Chunked generation: each thread's chunks, concatenated, are its whole stream; the
 * checksum and the totals are the unchunked ones; channel capacities cover each chunk's
 * in-flight objects plus its SENDs; a rewind gives the same chunks again. */
static void test_chunks_of(const char *text) {
  am_pattern_t *p = P(text);
  am_workload_t *w = B(p, 0, 0, 0);
  am_gen_t *g = NULL;
  am_diag_t d;
  am_gen_opts_t o = {.seed = 0};
  CHECK(w && p && am_gen_open(p, &o, 500, &g, &d) == 0, "am_gen_open");
  if (w == NULL || g == NULL) { am_workload_free(w); am_pattern_free(p); return; }
  am_workload_t *c = am_gen_workload(g);
  CHECK(am_gen_chunks(g) > 10, "expected many chunks, got %llu", (unsigned long long)am_gen_chunks(g));
  CHECK(c->total_ops == w->total_ops && c->alloc_ops == w->alloc_ops && c->free_ops == w->free_ops &&
        c->peak_live_bytes == w->peak_live_bytes && c->n_channels == w->n_channels, "chunked totals differ");
  for (int pass = 0; pass < 2; pass++) {
    size_t pos[8] = {0};
    uint64_t n = 0;
    int same = 1, rc;
    size_t *inflight = calloc(c->n_channels + 1, sizeof *inflight);
    while ((rc = am_gen_next(g, &d)) == 1) {
      n++;
      size_t *sends = calloc(c->n_channels + 1, sizeof *sends), *recvs = calloc(c->n_channels + 1, sizeof *recvs);
      for (unsigned t = 0; t < c->n_threads; t++) {
        const am_stream_t *cs = &c->streams[t], *ws = &w->streams[t];
        CHECK(cs->n_slots == ws->n_slots, "n_slots differ");
        if (pos[t] + cs->n_ops > ws->n_ops || memcmp(cs->ops, ws->ops + pos[t], cs->n_ops * sizeof(am_op_t)) != 0) same = 0;
        for (size_t i = 0; i < cs->n_ops; i++) {
          if (cs->ops[i].kind == AM_OP_SEND) sends[cs->ops[i].arg]++;
          if (cs->ops[i].kind == AM_OP_RECV) recvs[cs->ops[i].arg]++;
        }
        pos[t] += cs->n_ops;
      }
      for (unsigned k = 0; k < c->n_channels; k++) {
        int shared = c->channel_spec[k].kind == AM_CHAN_SHARED; /* bounded: a SEND waits */
        CHECK(shared || inflight[k] + sends[k] <= c->channel_capacity[k], "chunk %llu: channel %u over capacity",
              (unsigned long long)n, k);
        CHECK(recvs[k] <= inflight[k] + sends[k], "chunk %llu: channel %u receives what was not sent yet",
              (unsigned long long)n, k);
        inflight[k] = inflight[k] + sends[k] - recvs[k];
      }
      free(sends);
      free(recvs);
    }
    free(inflight);
    CHECK(rc == 0 && n == am_gen_chunks(g), "pass %d: %llu chunks, counted %llu", pass, (unsigned long long)n,
          (unsigned long long)am_gen_chunks(g));
    for (unsigned t = 0; t < c->n_threads; t++) if (pos[t] != w->streams[t].n_ops) same = 0;
    CHECK(same, "pass %d: chunks are not the whole streams", pass);
    CHECK(c->checksum == w->checksum, "pass %d: chunked checksum differs", pass);
    CHECK(c->n_setup == w->n_setup && (w->n_setup == 0 || memcmp(c->setup, w->setup, w->n_setup * sizeof(am_op_t)) == 0),
          "pass %d: chunked set-up differs", pass);
    CHECK(am_gen_rewind(g, &d) == 0, "rewind");
  }
  am_gen_close(g);
  am_workload_free(w);
  am_pattern_free(p);
}

static void test_chunks(void) {
  test_chunks_of(HDR "\"seed\":42,\"threads\":3,\"phases\":[{\"allocs\":2000,\"round\":16,\"lag\":2,"
                 "\"size\":{\"dist\":\"uniform\",\"min\":8,\"max\":4000},\"lifetime\":{\"kind\":\"window\","
                 "\"live\":64,\"keep\":0.25},\"handoff\":{\"ratio\":0.3},\"respawn\":700},{\"allocs\":500,"
                 "\"lifetime\":{\"kind\":\"batch\",\"count\":10,\"order\":\"random\"}}]}");
  /* set-up stream, batch hand-off over a pair channel and through a shared queue */
  test_chunks_of(HDR "\"seed\":5,\"threads\":4,\"phases\":[{\"allocs\":3000,\"round\":16,"
                 "\"lifetime\":{\"kind\":\"window\",\"live\":50,\"fill\":\"main\",\"fill_churn\":1},"
                 "\"handoff\":{\"ratio\":0.5,\"batch\":7}},{\"size\":32,\"roles\":[{\"name\":\"p\",\"threads\":2,"
                 "\"allocs\":2000,\"handoff\":{\"ratio\":1,\"to\":\"c\",\"batch\":32,\"queue\":\"shared\","
                 "\"bound\":4}},{\"name\":\"c\",\"allocs\":0}]}]}");
  /* an empirical profile with its prefill and hand-off */
  test_chunks_of(HDR "\"seed\":9,\"threads\":3,\"phases\":[{\"allocs\":3000,\"round\":16,\"handoff\":{\"ratio\":0.3},"
                 "\"empirical\":{\"live_bytes\":20000,\"rows\":[[16,3,100],[300,1,20],[64,0,5]]}}]}");
}

/* empirical: the steady state holds live_bytes (time-averaged over the thread's
 * allocations, after the prefill), rows are born in proportion to their rates, a row
 * with rate 0 only in the prefill; the spec round-trips (test_spec_roundtrip). */
static void test_empirical(void) {
  am_pattern_t *p = P(HDR "\"phases\":[{\"allocs\":200000,\"empirical\":{\"live_bytes\":100000,"
                      "\"rows\":[[16,3,1000],[256,1,100],[4096,0,2]]}}]}");
  am_workload_t *w = B(p, 0, 0, 0);
  if (w) {
    const am_op_t *o = w->streams[0].ops;
    uint64_t live = 0, n16 = 0, n256 = 0, late4096 = 0, allocs = 0;
    double sum = 0;
    size_t samples = 0;
    int freed = 0;
    uint64_t *sz = calloc(w->streams[0].n_slots + 1, sizeof *sz);
    for (size_t i = 0; sz && i < w->streams[0].n_ops; i++) {
      if (o[i].kind == AM_OP_MALLOC) {
        live += o[i].size;
        sz[o[i].slot] = o[i].size;
        if (freed) { allocs++; n16 += o[i].size == 16; n256 += o[i].size == 256; late4096 += o[i].size == 4096; }
        if (freed && allocs > 20000 && allocs < 190000) { sum += (double)live; samples++; }
      } else if (o[i].kind == AM_OP_FREE) { live -= sz[o[i].slot]; freed = 1; }
    }
    free(sz);
    double avg = samples ? sum / (double)samples : 0;
    CHECK(avg > 90000 && avg < 110000, "empirical steady state: %.0f bytes live on average, expected ~100000", avg);
    CHECK(n16 + n256 > 0 && (double)n16 / (double)(n16 + n256) > 0.73 && (double)n16 / (double)(n16 + n256) < 0.77,
          "empirical birth mix: %llu of 16 B, %llu of 256 B (3:1 expected)", (unsigned long long)n16, (unsigned long long)n256);
    CHECK(late4096 == 0, "a rate-0 row was born after the prefill (%llu)", (unsigned long long)late4096);
    CHECK(count_kind(w, 0, AM_OP_MALLOC) > 200000, "the prefill allocated nothing");
  }
  am_workload_free(w);
  am_pattern_free(p);
  /* without prefill the phase starts empty; quick scale uses quick_live_bytes */
  p = P(HDR "\"phases\":[{\"allocs\":1000,\"empirical\":{\"live_bytes\":1000000,\"quick_live_bytes\":100,"
        "\"prefill\":false,\"rows\":[[10,1,1]]}}]}");
  w = B(p, 0, 0, 1);
  if (w) CHECK(count_kind(w, 0, AM_OP_MALLOC) == 10, "quick, no prefill: %zu allocations, expected quick_allocs 10",
               count_kind(w, 0, AM_OP_MALLOC));
  am_workload_free(w);
  am_pattern_free(p);
}

static void test_limits(void) {
  am_pattern_t *p = P(HDR "\"threads\":16,\"phases\":[{\"allocs\":4000000000}]}");
  uint64_t ops, peak;
  am_diag_t d;
  CHECK(p && am_workload_estimate(p, NULL, &ops, &peak, &d) == AM_ERANGE && strstr(d.msg, "operations") != NULL,
        "ops limit not enforced");
  am_pattern_free(p);
}

static void test_pattern_dir(const char *dir) {
  DIR *dd = opendir(dir);
  CHECK(dd != NULL, "cannot open %s", dir);
  if (dd == NULL) return;
  struct dirent *e;
  int n = 0;
  while ((e = readdir(dd)) != NULL) {
    size_t l = strlen(e->d_name);
    if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0) continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    am_pattern_t *p;
    am_diag_t d;
    if (am_pattern_load(path, &p, &d) != 0) { CHECK(0, "%s", d.msg); continue; }
    unsigned counts[64];
    size_t k = am_pattern_thread_counts(p, counts, 64);
    for (size_t i = 0; i < k; i++) am_workload_free(B(p, counts[i], 0, 1));
    am_pattern_free(p);
    n++;
  }
  closedir(dd);
  printf("checked %d pattern files in %s at quick scale\n", n, dir);
}

int main(int argc, char **argv) {
  test_determinism();
  test_pairs_exact();
  test_batch_orders();
  test_window_and_ops_lifetime();
  test_keep_and_free_kept();
  test_mix_realloc_aligned();
  test_producer_consumer();
  test_handoff_any_respawn();
  test_false_sharing_write();
  test_batch_handoff();
  test_setup_and_friends();
  test_spec_roundtrip();
  test_limits();
  test_empirical();
  test_golden();
  test_chunks();
  for (int i = 1; i < argc; i++) test_pattern_dir(argv[i]);
  printf("%s (%d failure%s)\n", failures ? "FAILED" : "ok", failures, failures == 1 ? "" : "s");
  return failures != 0;
}
