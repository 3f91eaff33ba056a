/* harness/cli/cli.h — shared pieces of the `allocmark` driver: sub-command table,
 * locating runners and patterns, and spawning a runner with a time limit.
 * The driver links no allocator: it measures nothing itself, it exec's runners. */
#ifndef AM_CLI_H
#define AM_CLI_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

/* Sub-commands: each returns the process exit code (0 ok, 1 run failure, 2 bad input). */
typedef int (*am_cmd_fn)(int argc, char **argv);
int am_cmd_list(int argc, char **argv);     /* cmd_list.c     */
int am_cmd_run(int argc, char **argv);      /* cmd_run.c      */
int am_cmd_check(int argc, char **argv);    /* cmd_check.c    */
int am_cmd_report(int argc, char **argv);   /* cmd_report.c   */
int am_cmd_merge(int argc, char **argv);    /* cmd_merge.c    */
int am_cmd_plan(int argc, char **argv);     /* cmd_run.c      */
int am_cmd_compare(int argc, char **argv);  /* cmd_compare.c  */
int am_cmd_selftest(int argc, char **argv); /* cmd_selftest.c */
int am_cmd_validate(int argc, char **argv); /* cmd_validate.c */
int am_cmd_record(int argc, char **argv);   /* cmd_record.c   */
int am_cmd_trace_info(int argc, char **argv); /* cmd_trace_info.c */
int am_cmd_trace_fit(int argc, char **argv);  /* cmd_trace_fit.c  */
int am_cmd_trace_import(int argc, char **argv); /* cmd_trace_import.c */

/* Backends compiled into this build: registry.h. */
#include "registry.h"

/* The one bad-input printer: "allocmark CMD: <message>" as one line on stderr (no
 * newline in fmt); returns 2, the exit status of bad input (cli_error.c). */
#include <stdarg.h>
int am_cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int am_cli_verror(const char *cmd, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Figures for the console (byte counts, numbers, ratios): fmt.h. */
#include "fmt.h"

/* Folder of the allocmark executable, with a trailing '/'. */
const char *am_exe_dir(void);
/* build/runners/am-runner-<name> into buf; 0 when it exists and is executable. */
int am_runner_path(const char *name, char *buf, size_t cap);
/* The default patterns folder: $ALLOCMARK_PATTERNS, else the source tree's patterns/. */
const char *am_patterns_dir(void);

/* How a spawned runner ended. */
typedef enum am_exit_kind_e {
  AM_EXIT_OK, AM_EXIT_FAILED, AM_EXIT_CRASHED, AM_EXIT_TIMEOUT, AM_EXIT_SPAWN_ERROR
} am_exit_kind_t;
typedef struct am_spawn_result_s {
  am_exit_kind_t kind;
  int exit_code;     /* when AM_EXIT_OK / AM_EXIT_FAILED          */
  int signal;        /* when AM_EXIT_CRASHED / AM_EXIT_TIMEOUT    */
  char *out;         /* captured stdout, NUL-terminated (free it) */
  size_t out_len;
  int out_truncated; /* stdout was longer than spawn.c keeps       */
  char err_tail[512];/* last bytes of stderr, NUL-terminated      */
  double wall_s;     /* wall time of the child                    */
} am_spawn_result_t;
/* Run argv (argv[0] a path) with extra environment entries ("K=V", NULL-terminated,
 * may be NULL); kill it after timeout_s seconds (<= 0: no limit). Returns 0 when the
 * child was started (see r->kind), -1 on a spawn failure. */
int am_spawn(char *const argv[], char *const extra_env[], double timeout_s, am_spawn_result_t *r);
void am_spawn_result_free(am_spawn_result_t *r);
/* From now on SIGINT / SIGTERM / SIGHUP set am_spawn_stop (the signal number) instead of
 * killing the driver; am_spawn then kills its child at once and returns. */
void am_spawn_catch_signals(void);
extern volatile sig_atomic_t am_spawn_stop;
/* Seconds on CLOCK_MONOTONIC (spawn.c): for wall times and ETAs. */
double am_now_s(void);

#endif /* AM_CLI_H */
