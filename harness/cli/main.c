/* harness/cli/main.c — `allocmark`: the driver's entry point and sub-command table. */
#include <stdio.h>
#include <string.h>
#include "cli.h"

static const struct {
  const char *name;
  am_cmd_fn fn;
  const char *summary;
} cmds[] = {
  {"run", am_cmd_run, "run patterns on backends and write a results JSON"},
  {"check", am_cmd_check, "validate pattern files without running them"},
  {"list", am_cmd_list, "list built backends (name, version, config) and patterns"},
  {"plan", am_cmd_plan, "list the cells (and shards) a run would run, without running"},
  {"merge", am_cmd_merge, "merge the shard folders of `run --shard K/N` into one run"},
  {"report", am_cmd_report, "turn results files into a Markdown report or tables"},
  {"compare", am_cmd_compare, "compare two results (or two backends) with a significance test"},
  {"validate", am_cmd_validate, "the validity study: programs against their replays and fitted patterns"},
  {"selftest", am_cmd_selftest, "check the harness against a hand-written loop"},
  {"record", am_cmd_record, "record a program's allocations into a trace (LD_PRELOAD)"},
  {"trace-info", am_cmd_trace_info, "describe a trace: ops, threads, sizes, lifetimes"},
  {"trace-fit", am_cmd_trace_fit, "fit a synthetic pattern to a trace, side by side"},
  {"trace-import", am_cmd_trace_import, "make a heaptrack or Android record_allocs trace replay-ready"},
};

static void usage(FILE *f) {
  fprintf(f, "usage: allocmark <command> [options]   (allocmark <command> --help for more)\n\n"
             "A research harness for memory allocators: replays allocation workloads on\n"
             "every allocator built in (`allocmark list`), each in its own process.\n\n"
             "commands:\n");
  for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
    fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].summary);
}

int main(int argc, char **argv) {
  if (argc < 2) { usage(stderr); return 2; }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return 0;
  }
  for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
    if (strcmp(argv[1], cmds[i].name) == 0) return cmds[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "allocmark: unknown command '%s' (try allocmark --help)\n", argv[1]);
  return 2;
}
