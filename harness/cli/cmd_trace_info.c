/* harness/cli/cmd_trace_info.c — `allocmark trace-info [--json] FILE...`: what a trace
 * holds (harness/trace/TRACE.md): ops by kind, threads, peak live bytes and objects,
 * the size and lifetime histograms, cross-thread share, orphans, completeness. Bad
 * input (not a trace, truncated, corrupt, wrong version): one line naming the file and
 * the offset, exit 2. The JSON's keys are documented in TRACE.md, "trace-info". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cJSON.h>
#include "cli.h"
#include "results.h"
#include "trace.h"

static const char info_help[] =
  "usage: allocmark trace-info [--json] [--check] FILE...\n"
  "  Describes allocmark traces (allocmark record, importers): ops by kind, threads,\n"
  "  peak live bytes and objects, size and lifetime histograms, cross-thread frees,\n"
  "  orphans (frees of memory allocated before recording began), completeness.\n"
  "  --json    one JSON object per file (an array for several files)\n"
  "  --check   also decode and validate every chunk (slower: reads the whole file)\n"
  "exit: 0 ok, 2 bad input (one line naming the file and the offset)\n";


static void print_hist(const char *title, const cJSON *h) {
  if (!cJSON_IsArray(h) || cJSON_GetArraySize(h) == 0) return;
  printf("  %s:\n", title);
  const cJSON *e;
  cJSON_ArrayForEach(e, h) {
    double le = cJSON_GetNumberValue(cJSON_GetObjectItem(e, "le")), c = cJSON_GetNumberValue(cJSON_GetObjectItem(e, "count"));
    printf("    <= %-14.0f %12.0f\n", le, c);
  }
}

static void print_text(const cJSON *o) {
  printf("%s\n", cJSON_GetStringValue(cJSON_GetObjectItem(o, "file")));
  const cJSON *p = cJSON_GetObjectItem(o, "program");
  printf("  program: %s (pid %.0f, %s)\n", cJSON_GetStringValue(cJSON_GetObjectItem(p, "command_line")),
         cJSON_GetNumberValue(cJSON_GetObjectItem(p, "pid")), cJSON_GetStringValue(cJSON_GetObjectItem(p, "source")));
  printf("  ops: %.0f (", cJSON_GetNumberValue(cJSON_GetObjectItem(o, "ops")));
  const cJSON *x;
  int first = 1;
  cJSON_ArrayForEach(x, cJSON_GetObjectItem(o, "ops_by_kind")) { printf("%s%s %.0f", first ? "" : ", ", x->string, x->valuedouble); first = 0; }
  printf(")\n");
  char b1[32], b2[32];
  printf("  threads: %.0f recorded, %.0f replayed; cross-thread frees: %.0f (%.1f%%)\n",
         cJSON_GetNumberValue(cJSON_GetObjectItem(o, "threads")), cJSON_GetNumberValue(cJSON_GetObjectItem(o, "replay_threads")),
         cJSON_GetNumberValue(cJSON_GetObjectItem(o, "cross_thread_frees")), 100 * cJSON_GetNumberValue(cJSON_GetObjectItem(o, "cross_thread_share")));
  printf("  peak live: %s in %.0f objects; at the end: %s in %.0f objects\n",
         am_fmt_bytes(b1, sizeof b1, cJSON_GetNumberValue(cJSON_GetObjectItem(o, "peak_live_bytes"))),
         cJSON_GetNumberValue(cJSON_GetObjectItem(o, "peak_live_objects")),
         am_fmt_bytes(b2, sizeof b2, cJSON_GetNumberValue(cJSON_GetObjectItem(o, "end_live_bytes"))),
         cJSON_GetNumberValue(cJSON_GetObjectItem(o, "end_live_objects")));
  printf("  orphans: %.0f frees, %.0f reallocs; repaired %.0f; failed allocations %.0f\n",
         cJSON_GetNumberValue(cJSON_GetObjectItem(o, "orphan_frees")), cJSON_GetNumberValue(cJSON_GetObjectItem(o, "orphan_reallocs")),
         cJSON_GetNumberValue(cJSON_GetObjectItem(o, "repaired")), cJSON_GetNumberValue(cJSON_GetObjectItem(o, "failed_allocations")));
  printf("  complete: %s; file: %.0f bytes, %.2f bytes/op, %.0f chunks\n",
         cJSON_IsTrue(cJSON_GetObjectItem(o, "complete")) ? "yes" : "NO (recording cut short)",
         cJSON_GetNumberValue(cJSON_GetObjectItem(o, "file_bytes")), cJSON_GetNumberValue(cJSON_GetObjectItem(o, "bytes_per_op")),
         cJSON_GetNumberValue(cJSON_GetObjectItem(o, "chunks")));
  const cJSON *ct = cJSON_GetObjectItem(o, "call_time_ns");
  if (ct != NULL) {
    double calls = cJSON_GetNumberValue(cJSON_GetObjectItem(ct, "calls")), est = cJSON_GetNumberValue(cJSON_GetObjectItem(ct, "estimate_ns"));
    printf("  time in malloc/free: %.1f ms in %.0f calls (%.1f ns/call): %.1f ms measured inside the real calls,\n"
           "    less one clock read (%.1f ns here) per call; the recording spans %.1f ms\n",
           est / 1e6, calls, calls > 0 ? est / calls : 0, cJSON_GetNumberValue(cJSON_GetObjectItem(ct, "measured_ns")) / 1e6,
           cJSON_GetNumberValue(cJSON_GetObjectItem(ct, "clock_read_ns")), cJSON_GetNumberValue(cJSON_GetObjectItem(o, "duration_ns")) / 1e6);
  } else {
    printf("  time in malloc/free: not measured (record with --timestamps)\n");
  }
  const cJSON *sp = cJSON_GetObjectItem(o, "size_profile"), *tl = cJSON_GetObjectItem(o, "timeline");
  if (sp != NULL && tl != NULL)
    printf("  size profile: %d sizes; timeline: %d windows of %.0f events\n", cJSON_GetArraySize(cJSON_GetObjectItem(sp, "rows")),
           cJSON_GetArraySize(cJSON_GetObjectItem(tl, "windows")), cJSON_GetNumberValue(cJSON_GetObjectItem(tl, "window_events")));
  print_hist("request sizes (bytes)", cJSON_GetObjectItem(o, "size_histogram"));
  print_hist("lifetimes (events between allocation and free)", cJSON_GetObjectItem(o, "lifetime_events_histogram"));
  print_hist("lifetimes (ns)", cJSON_GetObjectItem(o, "lifetime_ns_histogram"));
}

int am_cmd_trace_info(int argc, char **argv) {
  int json = 0, check = 0, nf = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { fputs(info_help, stdout); return 0; }
    else if (strcmp(argv[i], "--json") == 0) json = 1;
    else if (strcmp(argv[i], "--check") == 0) check = 1;
    else if (argv[i][0] == '-' && argv[i][1]) { fprintf(stderr, "allocmark trace-info: unknown option '%s' (try --help)\n", argv[i]); return 2; }
    else nf++;
  }
  if (nf == 0) { fprintf(stderr, "allocmark trace-info: no FILE given (try --help)\n"); return 2; }
  cJSON *all = cJSON_CreateArray();
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '-' && argv[i][1]) continue;
    am_diag_t d = {{0}};
    am_trace_t *t = NULL;
    int rc = am_trace_open(argv[i], &t, &d);
    if (rc == 0 && check) rc = am_trace_check(t, &d);
    if (rc != 0) {
      fprintf(stderr, "%s\n", d.msg);
      am_trace_close(t);
      cJSON_Delete(all);
      return 2;
    }
    cJSON_AddItemToArray(all, am_trace_info_json(argv[i], t));
    am_trace_close(t);
  }
  if (json) {
    char *s = cJSON_Print(nf == 1 ? cJSON_GetArrayItem(all, 0) : all);
    puts(s);
    cJSON_free(s);
  } else {
    const cJSON *o;
    cJSON_ArrayForEach(o, all) print_text(o);
  }
  cJSON_Delete(all);
  return 0;
}
