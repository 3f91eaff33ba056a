/* harness/cli/report_html.c — `allocmark report --format html`: the whole report as one
 * self-contained HTML file (no network: inline CSS, inline SVG charts, a few lines of
 * inline JavaScript to sort tables). Sections: summary, environment and its warnings,
 * a chart per benchmark group (ns/op relative to `system`, min–max whiskers), the time
 * table (sortable; with a baseline run, its verdict per benchmark, coloured), memory,
 * failures, citation. Like the Markdown report, the output depends only on the results
 * files (and the baseline's), so the same inputs always give the same page.
 * The page sets <body data-ready="1"> once its script has run without an error: the
 * browser test (tests/compare/test_html.sh) reads that from the rendered DOM. */
#include <math.h>
#include <string.h>
#include "compare.h"
#include "report.h"

static void esc(FILE *o, const char *s) {
  for (; s != NULL && *s; s++) {
    switch (*s) {
      case '<': fputs("&lt;", o); break;
      case '>': fputs("&gt;", o); break;
      case '&': fputs("&amp;", o); break;
      case '"': fputs("&quot;", o); break;
      default: fputc(*s, o);
    }
  }
}

static const char css[] =
  "body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}"
  "h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}"
  "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.2em .5em;text-align:right}"
  "td:first-child,th:first-child,td.t,th.t{text-align:left}th{background:#f4f4f4}"
  "table.sortable th{cursor:pointer}table.sortable th:after{content:' \\2195';color:#aaa}"
  ".warn{background:#fff4e0;border-left:4px solid #e69f00;padding:.5em 1em}"
  ".fail{color:#b00020;font-weight:bold}.noisy{color:#a66}"
  ".v-faster{background:#d8f3dc;color:#1b5e20;font-weight:bold}.v-slower{background:#fde0e0;color:#b00020;font-weight:bold}"
  ".v-same{color:#666}.charts{display:flex;flex-wrap:wrap;gap:1em}.chart{border:1px solid #eee;padding:.3em}"
  "pre{background:#f7f7f7;padding:.6em;overflow-x:auto}small{color:#666}";

/* Click a header: sort by that column (numbers by data-v, else text), again: reverse. */
static const char js[] =
  "(function(){document.querySelectorAll('table.sortable').forEach(function(t){"
  "t.querySelectorAll('th').forEach(function(h,i){h.addEventListener('click',function(){"
  "var b=t.tBodies[0],rs=Array.prototype.slice.call(b.rows),d=h.dataset.dir==='a'?-1:1;h.dataset.dir=d>0?'a':'d';"
  "rs.sort(function(x,y){var p=x.cells[i],q=y.cells[i],u=parseFloat(p.dataset.v),w=parseFloat(q.dataset.v);"
  "if(!isNaN(u)&&!isNaN(w))return d*(u-w);return d*p.textContent.localeCompare(q.textContent);});"
  "rs.forEach(function(r){b.appendChild(r);});});});});"
  "document.body.dataset.ready='1';})();";

static int is_ok(const am_rbench_t *b) { return strcmp(b->status, "ok") == 0; }

static void num_cell(FILE *o, double v, const char *suffix) {
  char buf[64];
  if (!isfinite(v)) { fputs("<td data-v=\"\">—</td>", o); return; }
  fprintf(o, "<td data-v=\"%.9g\">%s%s</td>", v, am_fmt_num(buf, sizeof buf, v), suffix);
}

static void environment(FILE *o, const am_report_t *r) {
  const char *w[64];
  size_t nw = am_report_env_warnings(r, w, 64);
  fputs("<h2 id=\"environment\">Environment</h2>\n", o);
  if (nw > 0) {
    fputs("<div class=\"warn\"><b>Environment warnings</b> (conditions that can move the figures)<ul>\n", o);
    for (size_t i = 0; i < nw; i++) { fputs("<li>", o); esc(o, w[i]); fputs("</li>\n", o); }
    fputs("</ul></div>\n", o);
  }
  fputs("<table><tbody>\n", o);
  for (int k = 0; k < AM_CTX_N; k++) {
    if (k == AM_CTX_CMDLINE) continue;
    const char *v = NULL;
    for (size_t i = 0; i < r->n_files && v == NULL; i++) v = r->files[i].ctx[k];
    if (v == NULL) continue;
    fprintf(o, "<tr><th class=\"t\">%s</th><td class=\"t\">", am_ctx_labels[k]);
    esc(o, v);
    fputs("</td></tr>\n", o);
  }
  fputs("</tbody></table>\n<table><thead><tr><th>backend</th><th class=\"t\">version</th><th class=\"t\">configuration</th></tr></thead><tbody>\n", o);
  for (size_t k = 0; k < r->n_backends; k++) {
    const am_rbench_t *f = NULL;
    for (size_t i = 0; i < r->n_b && f == NULL; i++) if (r->b[i].slot == k) f = &r->b[i];
    fprintf(o, "<tr><td><span style=\"color:%s\">&#9632;</span> ", am_report_colour(f));
    esc(o, r->backends[k]);
    fputs("</td><td class=\"t\">", o);
    esc(o, f->version);
    fputs("</td><td class=\"t\">", o);
    esc(o, f->config);
    fputs("</td></tr>\n", o);
  }
  fputs("</tbody></table>\n", o);
  am_rshard_t sh[64];
  size_t ns = am_report_shards(r, sh, sizeof sh / sizeof *sh); /* report_shards.c: merged runs only */
  if (ns == 0) return;
  fputs("<h3>Shards: which machine ran what</h3>\n<table><thead><tr><th class=\"t\">shard</th><th class=\"t\">host</th>"
        "<th class=\"t\">machine</th><th class=\"t\">started (UTC)</th><th>cells</th><th class=\"t\">folder</th>"
        "</tr></thead><tbody>\n", o);
  for (size_t i = 0; i < ns; i++) {
    const char *cols[] = {sh[i].shard, sh[i].host, sh[i].machine, sh[i].date, sh[i].cells, sh[i].dir};
    fputs("<tr>", o);
    for (size_t c = 0; c < 6; c++) {
      fputs(c == 4 ? "<td>" : "<td class=\"t\">", o);
      esc(o, cols[c]);
      fputs("</td>", o);
    }
    fputs("</tr>\n", o);
  }
  fputs("</tbody></table>\n", o);
}

/* One group's chart: a bar per ok benchmark, ns/op / system's (log2 axis 1/16 .. 4). */
static void group_chart(FILE *o, const am_report_t *r, const am_rgroup_t *g) {
  const double lo = -4, hi = 2, x0 = 110, wd = 300;
  int h = 24 + 16 * (int)g->count;
  fprintf(o, "<div class=\"chart\"><svg width=\"%d\" height=\"%d\" role=\"img\">",
          (int)(x0 + wd + 60), h + 16);
  fputs("<text x=\"4\" y=\"14\" font-size=\"12\" font-weight=\"bold\">", o);
  esc(o, g->pattern);
  fprintf(o, ", %u thread%s</text>", g->threads, g->threads == 1 ? "" : "s");
  double one = x0 + wd * (0 - lo) / (hi - lo);
  for (size_t i = 0; i < g->count; i++) {
    const am_rbench_t *b = &r->b[g->first + i];
    double y = 22 + 16.0 * (double)i;
    fprintf(o, "<text x=\"%g\" y=\"%g\" font-size=\"11\" text-anchor=\"end\">", x0 - 4, y + 11);
    esc(o, b->backend);
    fputs("</text>", o);
    if (!is_ok(b) || !b->m[AM_M_NS_PER_OP].has || g->sys == NULL) {
      fprintf(o, "<text x=\"%g\" y=\"%g\" font-size=\"11\" fill=\"#b00020\">%s</text>", x0 + 4, y + 11,
              is_ok(b) ? "no system baseline" : b->status);
      continue;
    }
    double s = g->sys->m[AM_M_NS_PER_OP].median, q = am_report_ratio(r, b, AM_M_NS_PER_OP, b->m[AM_M_NS_PER_OP].median);
    double lx = log2(q);
    if (lx < lo) lx = lo;
    if (lx > hi) lx = hi;
    double x = x0 + wd * (lx - lo) / (hi - lo);
    fprintf(o, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"12\" fill=\"%s\"><title>%.4g ns/op, %.3gx system</title></rect>",
            x0, y, x - x0 > 1 ? x - x0 : 1, am_report_colour(b), b->m[AM_M_NS_PER_OP].median, q);
    double a = x0 + wd * (fmax(lo, fmin(hi, log2(b->m[AM_M_NS_PER_OP].min / s))) - lo) / (hi - lo);
    double c = x0 + wd * (fmax(lo, fmin(hi, log2(b->m[AM_M_NS_PER_OP].max / s))) - lo) / (hi - lo);
    fprintf(o, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"#333\"/>", a, y + 6, c, y + 6);
    fprintf(o, "<text x=\"%g\" y=\"%g\" font-size=\"10\">%.3gx</text>", x0 + wd + 4, y + 10, q);
  }
  fprintf(o, "<line x1=\"%g\" y1=\"18\" x2=\"%g\" y2=\"%d\" stroke=\"#888\" stroke-dasharray=\"3,3\"/>", one, one, h);
  fprintf(o, "<text x=\"%g\" y=\"%d\" font-size=\"9\" text-anchor=\"middle\">1x system</text>", one, h + 12);
  fputs("</svg></div>\n", o);
}

static void time_table(FILE *o, const am_report_t *r, const am_cmp_list_t *base) {
  fputs("<h2 id=\"time\">Time per operation</h2>\n<p>Median ns per operation over the repetitions, its 95 % "
        "confidence interval (<small>*: fewer repetitions than 95 % needs</small>), the ratio to "
        "<code>system</code>; noisy (cv &gt; 5 %) marked ~. Click a header to sort.", o);
  if (base != NULL) fputs(" <b>vs baseline</b>: this run against the baseline run (Mann–Whitney U, α = 0.05): "
                          "<span class=\"v-faster\">faster</span>, <span class=\"v-slower\">slower</span>, "
                          "<span class=\"v-same\">same</span>.", o);
  fputs("</p>\n<div class=\"charts\">\n", o);
  for (size_t g = 0; g < r->n_groups; g++) group_chart(o, r, &r->groups[g]);
  fputs("</div>\n<table class=\"sortable\" id=\"time-table\"><thead><tr><th>pattern</th><th>threads</th>"
        "<th class=\"t\">backend</th><th>ns/op</th><th class=\"t\">95 % CI</th><th>vs system</th><th>ops/s</th>", o);
  if (base != NULL) fputs("<th>vs baseline</th><th class=\"t\">verdict</th><th>p</th>", o);
  fputs("<th class=\"t\">status</th></tr></thead><tbody>\n", o);
  for (size_t i = 0; i < r->n_b; i++) {
    const am_rbench_t *b = &r->b[i];
    char x[64], y[64];
    fputs("<tr><td>", o);
    esc(o, b->pattern);
    fprintf(o, "</td><td data-v=\"%u\">%u</td><td class=\"t\">", b->threads, b->threads);
    esc(o, b->backend);
    fputs("</td>", o);
    if (is_ok(b) && b->m[AM_M_NS_PER_OP].has) {
      fprintf(o, "<td data-v=\"%.9g\"%s>%s%s</td>", b->m[AM_M_NS_PER_OP].median, b->m[AM_M_NS_PER_OP].noisy ? " class=\"noisy\"" : "",
              am_fmt_num(x, sizeof x, b->m[AM_M_NS_PER_OP].median), b->m[AM_M_NS_PER_OP].noisy ? " ~" : "");
      fprintf(o, "<td class=\"t\">[%s, %s]%s</td>", am_fmt_num(x, sizeof x, b->m[AM_M_NS_PER_OP].ci_lo), am_fmt_num(y, sizeof y, b->m[AM_M_NS_PER_OP].ci_hi),
              isfinite(b->m[AM_M_NS_PER_OP].cov) && b->m[AM_M_NS_PER_OP].cov < 0.95 ? "*" : "");
      num_cell(o, am_report_ratio(r, b, AM_M_NS_PER_OP, b->m[AM_M_NS_PER_OP].median), "x");
      num_cell(o, b->m[AM_M_OPS_PER_S].has ? b->m[AM_M_OPS_PER_S].median : NAN, "");
    } else fputs("<td data-v=\"\">—</td><td class=\"t\">—</td><td data-v=\"\">—</td><td data-v=\"\">—</td>", o);
    if (base != NULL) {
      const am_cmp_t *c = am_cmp_find(base, b->pattern, b->threads, b->backend, "ns_per_op");
      if (c != NULL) {
        num_cell(o, c->ratio, "x");
        fprintf(o, "<td class=\"t v-%s\">%s</td><td data-v=\"%.6g\">%.3g</td>", c->verdict, c->verdict, c->p, c->p);
      } else fputs("<td data-v=\"\">—</td><td class=\"t\">not compared</td><td data-v=\"\">—</td>", o);
    }
    fprintf(o, "<td class=\"t%s\">%s</td></tr>\n", is_ok(b) ? "" : " fail", b->status);
  }
  fputs("</tbody></table>\n", o);
}

static void memory_table(FILE *o, const am_report_t *r) {
  fputs("<h2 id=\"memory\">Memory</h2>\n<p>Peak RSS growth over the RSS before the workload (what the allocator "
        "made resident), peak RSS, and growth / peak live requested bytes (overhead).</p>\n"
        "<table class=\"sortable\"><thead><tr><th>pattern</th><th>threads</th><th class=\"t\">backend</th>"
        "<th>RSS growth</th><th>peak RSS</th><th>overhead</th><th>minor faults</th></tr></thead><tbody>\n", o);
  for (size_t i = 0; i < r->n_b; i++) {
    const am_rbench_t *b = &r->b[i];
    char x[64];
    fputs("<tr><td>", o);
    esc(o, b->pattern);
    fprintf(o, "</td><td data-v=\"%u\">%u</td><td class=\"t\">", b->threads, b->threads);
    esc(o, b->backend);
    fputs("</td>", o);
    if (b->m[AM_M_PEAK_RSS_GROWTH_BYTES].has) fprintf(o, "<td data-v=\"%.9g\">%s</td>", b->m[AM_M_PEAK_RSS_GROWTH_BYTES].median, am_fmt_bytes(x, sizeof x, b->m[AM_M_PEAK_RSS_GROWTH_BYTES].median));
    else fputs("<td data-v=\"\">—</td>", o);
    if (b->m[AM_M_PEAK_RSS_BYTES].has) fprintf(o, "<td data-v=\"%.9g\">%s</td>", b->m[AM_M_PEAK_RSS_BYTES].median, am_fmt_bytes(x, sizeof x, b->m[AM_M_PEAK_RSS_BYTES].median));
    else fputs("<td data-v=\"\">—</td>", o);
    num_cell(o, b->m[AM_M_MEMORY_OVERHEAD].has ? b->m[AM_M_MEMORY_OVERHEAD].median : NAN, b->m[AM_M_MEMORY_OVERHEAD].has ? "x" : "");
    num_cell(o, b->m[AM_M_MINOR_FAULTS].has ? b->m[AM_M_MINOR_FAULTS].median : NAN, "");
    fputs("</tr>\n", o);
  }
  fputs("</tbody></table>\n", o);
}

static void failures(FILE *o, const am_report_t *r) {
  fprintf(o, "<h2 id=\"failures\">Failures</h2>\n");
  if (r->n_failed == 0) { fputs("<p>None: every benchmark's repetitions were ok.</p>\n", o); return; }
  fputs("<table><thead><tr><th>pattern</th><th>threads</th><th class=\"t\">backend</th><th class=\"t\">status</th>"
        "<th class=\"t\">error</th></tr></thead><tbody>\n", o);
  for (size_t i = 0; i < r->n_b; i++) {
    const am_rbench_t *b = &r->b[i];
    if (is_ok(b)) continue;
    fputs("<tr><td>", o);
    esc(o, b->pattern);
    fprintf(o, "</td><td>%u</td><td class=\"t\">", b->threads);
    esc(o, b->backend);
    fprintf(o, "</td><td class=\"t fail\">%s</td><td class=\"t\">", b->status);
    esc(o, b->error);
    fputs("</td></tr>\n", o);
  }
  fputs("</tbody></table>\n", o);
}

static void citation(FILE *o, const am_report_t *r) {
  fputs("<h2 id=\"citation\">Citation</h2>\n<p>The results files this report was made from "
        "(check them with <code>sha256sum -c</code> in their folder):</p>\n<pre>", o);
  for (size_t i = 0; i < r->n_files; i++) {
    fprintf(o, "%s  ", r->files[i].sha256);
    esc(o, r->files[i].base);
    fputc('\n', o);
  }
  fputs("</pre>\n<table><thead><tr><th class=\"t\">file</th><th class=\"t\">pattern</th><th class=\"t\">date</th>"
        "<th class=\"t\">git commit</th><th class=\"t\">command line</th></tr></thead><tbody>\n", o);
  for (size_t i = 0; i < r->n_files; i++) {
    const am_rfile_t *f = &r->files[i];
    const char *cells[] = {f->base, f->pattern, f->ctx[AM_CTX_DATE], f->ctx[AM_CTX_COMMIT], f->ctx[AM_CTX_CMDLINE]};
    fputs("<tr>", o);
    for (size_t k = 0; k < 5; k++) {
      fputs(k == 4 ? "<td class=\"t\"><code>" : "<td class=\"t\">", o);
      esc(o, cells[k] != NULL ? cells[k] : "unknown");
      fputs(k == 4 ? "</code></td>" : "</td>", o);
    }
    fputs("</tr>\n", o);
  }
  fputs("</tbody></table>\n", o);
}

void am_report_html(const am_report_t *r, const am_cmp_list_t *base, FILE *o) {
  fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>allocmark report</title>\n<style>", o);
  fputs(css, o);
  fputs("</style></head>\n<body>\n<h1>allocmark report</h1>\n", o);
  fprintf(o, "<p>%zu results file%s · %zu backend%s · %zu benchmarks, <span class=\"%s\">%zu not ok</span>.",
          r->n_files, r->n_files == 1 ? "" : "s", r->n_backends, r->n_backends == 1 ? "" : "s", r->n_b,
          r->n_failed ? "fail" : "", r->n_failed);
  if (base != NULL)
    fprintf(o, " Against the baseline: %zu faster, %zu slower, %zu same, %zu not compared.", base->n_faster,
            base->n_slower, base->n_same, base->n_skip);
  fputs("</p>\n<p><a href=\"#environment\">environment</a> · <a href=\"#time\">time</a> · <a href=\"#memory\">memory</a>"
        " · <a href=\"#failures\">failures</a> · <a href=\"#citation\">citation</a></p>\n", o);
  environment(o, r);
  time_table(o, r, base);
  memory_table(o, r);
  failures(o, r);
  citation(o, r);
  fputs("<script>", o);
  fputs(js, o);
  fputs("</script>\n</body></html>\n", o);
}
