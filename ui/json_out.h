/*
 * json_out.h - small helpers over json-c for the --json outputs.
 */
#ifndef UI_JSON_OUT_H
#define UI_JSON_OUT_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

/* Each adds key to object o; a NULL string becomes JSON null. */
void json_add_str(json_object *o, const char *key, const char *value);
void json_add_bool(json_object *o, const char *key, bool value);
void json_add_u64(json_object *o, const char *key, uint64_t value);
void json_add_i64(json_object *o, const char *key, int64_t value);
/* Print o (pretty, UTF-8 unescaped, slashes not escaped) and a newline to stdout,
 * then release it. */
void json_print(json_object *o);

#endif
