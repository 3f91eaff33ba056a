/* harness/common/metric_table.c — the rows of AM_METRIC_LIST (metric_table.h) as a table. */
#include <string.h>
#include "metric_table.h"

#define AM_METRIC_ROW(id, key, parent, unit, better, flags, label, help) \
  {key, parent, unit, better, flags, label, help},
const am_metric_t am_metrics[AM_M_N + 1] = {AM_METRIC_LIST(AM_METRIC_ROW){NULL, NULL, NULL, 0, 0, NULL, NULL}};
#undef AM_METRIC_ROW

const am_metric_t *am_metric_find(const char *key) {
  for (int i = 0; i < AM_M_N; i++)
    if (strcmp(am_metrics[i].name, key) == 0) return &am_metrics[i];
  return NULL;
}
