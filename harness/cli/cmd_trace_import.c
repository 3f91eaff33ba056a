/* harness/cli/cmd_trace_import.c — `allocmark trace-import --from heaptrack|android FILE
 * -o OUT.amtrace`: a trace another tool made, made replay-ready (harness/trace/import.c;
 * what each format lacks: harness/trace/TRACE.md, "Importers"). Bad input: one line
 * naming the file and the line or offset, exit 2, nothing written. */
#include <stdio.h>
#include <string.h>
#include "am_args.h"
#include "cli.h"
#include "trace.h"

static const char import_help[] =
  "usage: allocmark trace-import --from heaptrack|android FILE -o OUT.amtrace\n"
  "  heaptrack  a heaptrack data file (heaptrack.PROG.PID.zst, or its uncompressed text)\n"
  "  android    Android malloc_debug record_allocs text (TID: malloc PTR SIZE ...)\n"
  "  What each format lacks is in harness/trace/TRACE.md (\"Importers\"): heaptrack has no\n"
  "  threads, addresses or call kinds (one thread, all malloc); Android has no global order\n"
  "  beyond the file's.\n"
  "exit: 0 ok, 2 bad input (nothing written)\n";

int am_cmd_trace_import(int argc, char **argv) {
  const char *from = NULL, *in = NULL, *out = NULL, *v;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { fputs(import_help, stdout); return 0; }
    else if ((v = am_opt_value(argc, argv, &i, "--from", NULL)) != NULL) from = v;
    else if ((v = am_opt_value(argc, argv, &i, "--output", "-o")) != NULL) out = v;
    else if (argv[i][0] == '-' && argv[i][1]) { fprintf(stderr, "allocmark trace-import: unknown option '%s' (try --help)\n", argv[i]); return 2; }
    else if (in == NULL) in = argv[i];
    else { fprintf(stderr, "allocmark trace-import: one FILE at a time\n"); return 2; }
  }
  if (from == NULL || !*from || in == NULL || out == NULL || !*out) {
    fprintf(stderr, "allocmark trace-import: usage: allocmark trace-import --from heaptrack|android FILE -o OUT.amtrace\n");
    return 2;
  }
  am_diag_t d = {{0}};
  if (am_trace_import(from, in, out, NULL, &d) != 0) { fprintf(stderr, "%s\n", d.msg); return 2; }
  am_trace_t *t = NULL;
  if (am_trace_open(out, &t, &d) != 0) { fprintf(stderr, "%s\n", d.msg); return 2; }
  const am_trace_info_t *i = am_trace_info(t);
  fprintf(stderr, "allocmark trace-import: %s: %llu ops, %u thread%s, peak live %llu bytes\n", out,
          (unsigned long long)i->ops, i->recorded_threads, i->recorded_threads == 1 ? "" : "s", (unsigned long long)i->peak_live_bytes);
  am_trace_close(t);
  return 0;
}
