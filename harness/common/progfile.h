/* harness/common/progfile.h — the program-file format ("allocmark-program/1"): a real
 * program, from a Debian package, run as a workload under each backend's LD_PRELOAD.
 * One reader (progfile.c) shared by the driver (`allocmark check/run/validate`) and the
 * per-repetition measurer (am-progrun). Every field is documented in programs/README.md;
 * unknown keys are errors, and a bad file gives the one-line diagnostic
 * "<file>: <field>: expected ..., got ..." (AM_EINVAL / AM_ERANGE / AM_ESYNTAX). */
#ifndef AM_PROGFILE_H
#define AM_PROGFILE_H

#include <stddef.h>
#include <stdint.h>
#include "am_error.h"

#define AM_PROGRAM_FORMAT "allocmark-program/1"
#define AM_PROG_MAX_ARGS 64      /* elements of one argv (command, setup, server.command) */
#define AM_PROG_MAX_ENV 32       /* entries of `env`                                       */
#define AM_PROG_MAX_PACKAGES 16  /* entries of `packages`                                  */
#define AM_PROG_MAX_N 1000000000000ull /* largest `n`                                      */

typedef struct am_argv_s {
  const char *v[AM_PROG_MAX_ARGS + 1]; /* NULL-terminated; strings point into the file's tree */
  size_t n;                            /* 0: absent                                           */
} am_argv_t;

/* How several matches of the figure's regex combine into one number. */
typedef enum am_fig_combine_e { AM_FIG_MEAN, AM_FIG_SUM, AM_FIG_FIRST, AM_FIG_LAST } am_fig_combine_t;

typedef struct am_progfile_s {
  struct cJSON *root;        /* the parsed file; every string below points into it   */
  char path[4096];           /* as given                                              */
  char dir[4096];            /* absolute folder of the file: {dir}                    */
  char sha256[65];           /* of the file's bytes                                   */
  const char *name, *description;
  const char *packages[AM_PROG_MAX_PACKAGES];
  size_t n_packages;
  am_argv_t command;         /* required                                              */
  am_argv_t setup;           /* optional: untimed, once per run, in {work}            */
  am_argv_t server;          /* optional: a daemon started before `command`           */
  double server_ready_s;     /* seconds to wait for {port} to accept (default 10)     */
  int client_preload;        /* server mode: the client runs under the backend too    */
  const char *env_k[AM_PROG_MAX_ENV], *env_v[AM_PROG_MAX_ENV];
  size_t n_env;
  const char *stdin_file;    /* NULL: /dev/null; else a path (placeholders expanded)  */
  uint64_t n;                /* {n} at full scale (default 1)                         */
  double quick;              /* {n} at --quick is max(1, round(n * quick)); default 0.1 */
  unsigned repetitions;      /* default 5                                             */
  double timeout_s;          /* per repetition, default 120                           */
  int check_stdout;          /* 1 (default): stdout must be identical on every backend */
  const char *check_ignore;  /* regex: stdout lines that match are left out of it     */
  int check_exit;            /* expected exit status (default 0)                      */
  const char *check_contains;/* stdout must contain this text (NULL: no such check)   */
  const char *fig_regex;     /* NULL: no figure; else its first group is the number   */
  const char *fig_unit;
  int fig_higher_better;
  am_fig_combine_t fig_combine;
} am_progfile_t;

/* Values of the placeholders {n} {dir} {work} {port} ({{ and }} are literal braces). */
typedef struct am_prog_vars_s {
  uint64_t n;
  const char *dir, *work;
  unsigned port;
} am_prog_vars_t;

/* Load and validate a program file. 0, or a negative AM_E* code with d filled. */
int am_progfile_load(const char *path, am_progfile_t **out, am_diag_t *d);
/* The same from text[0..len) (path names it in messages and gives {dir}). */
int am_progfile_parse(const char *path, const char *text, size_t len, am_progfile_t **out, am_diag_t *d);
void am_progfile_free(am_progfile_t *p);
/* 1 when path holds a JSON object whose "format" starts with "allocmark-program" (the driver uses it
 * to tell program files from pattern files); 0 otherwise, unreadable files included. */
int am_progfile_sniff(const char *path);
/* {n} for this scale. */
uint64_t am_progfile_n(const am_progfile_t *p, int quick);
/* Expand the placeholders of s into buf. 0, or -1 when the result does not fit. */
int am_progfile_expand(const char *s, const am_prog_vars_t *v, char *buf, size_t cap);
/* The program's figure from its output: the regex's first group of every match
 * (a number each), combined. NaN when there is no figure or no match. */
double am_progfile_figure(const am_progfile_t *p, const char *text);
/* Stdout as the output check sees it: the lines matching check.ignore dropped.
 * Writes the sha256 (hex) of that text into hex[65]. */
void am_progfile_output_sha256(const am_progfile_t *p, const char *text, size_t len, char hex[65]);

#endif /* AM_PROGFILE_H */
