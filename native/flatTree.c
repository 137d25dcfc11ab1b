// Parse C with tree-sitter and return the whole tree as one flat Int32Array.
//
// Why native: reading a tree through the tree-sitter binding costs one N-API call per node property
// (about 115 ns each, four per node); over the whole kernel that was as long as the parse itself.
// Here the tree is walked in C and crosses into JS once. The grammar is tree-sitter-c's own parser.c
// (the source its binding is built from), compiled in here so that the build can lay it out for the
// branches a parse takes (native/build.mjs); a unit test checks both give the same trees.
//
// Records, one per node in document order, RECORD_WORDS int32 each:
//   [0] symbol | field id << 16   (field id 0: none)
//   [1] start, [2] end            (UTF-16 code units: indexes into the JS string)
//   [3] index of the record after this node's subtree
//   [4] flags: 1 named, 2 missing, 4 the tree has an error (root only)
#include <node_api.h>
#include <tree_sitter/api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RECORD_WORDS 5

typedef struct {
  TSParser *parser;
  const TSLanguage *language;
  // The last text's UTF-16 copy, kept for the next parse: a fresh buffer of a few MB per file cost
  // a page fault per 4 KB touched.
  uint16_t *text;
  size_t text_cap;
} State;

typedef struct {
  const uint16_t *text;
  uint32_t bytes;
} Source;

typedef struct {
  uint64_t deadline_ns;
} Deadline;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const char *read_source(void *payload, uint32_t byte, TSPoint pos, uint32_t *read) {
  (void)pos;
  Source *s = payload;
  if (byte >= s->bytes) { *read = 0; return ""; }
  *read = s->bytes - byte;
  return (const char *)s->text + byte;
}

// Returning true cancels the parse: a pathological input stays bounded.
static bool past_deadline(TSParseState *state) {
  Deadline *d = state->payload;
  return d->deadline_ns && now_ns() > d->deadline_ns;
}

static napi_value throw_error(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static void free_state(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  State *s = data;
  if (s->parser) ts_parser_delete(s->parser);
  free(s->text);
  free(s);
}

const TSLanguage *tree_sitter_c(void);

// init() -> { names: string[], named: boolean[], fields: string[] }
static napi_value init(napi_env env, napi_callback_info info) {
  (void)info;
  State *s = calloc(1, sizeof *s);
  if (!s) return throw_error(env, "init: out of memory");
  s->language = tree_sitter_c();
  s->parser = ts_parser_new();
  if (!ts_parser_set_language(s->parser, s->language)) {
    free_state(env, s, NULL);
    return throw_error(env, "init: the language's ABI does not match this tree-sitter");
  }
  State *old = NULL;
  if (napi_get_instance_data(env, (void **)&old) == napi_ok && old) free_state(env, old, NULL);
  napi_set_instance_data(env, s, free_state, NULL);

  napi_value result, names, named, fields;
  napi_create_object(env, &result);
  uint32_t nsym = ts_language_symbol_count(s->language);
  napi_create_array_with_length(env, nsym, &names);
  napi_create_array_with_length(env, nsym, &named);
  for (uint32_t i = 0; i < nsym; i++) {
    napi_value name, isNamed;
    const char *n = ts_language_symbol_name(s->language, (TSSymbol)i);
    napi_create_string_utf8(env, n ? n : "", NAPI_AUTO_LENGTH, &name);
    napi_get_boolean(env, ts_language_symbol_type(s->language, (TSSymbol)i) == TSSymbolTypeRegular, &isNamed);
    napi_set_element(env, names, i, name);
    napi_set_element(env, named, i, isNamed);
  }
  uint32_t nfield = ts_language_field_count(s->language);
  napi_create_array_with_length(env, nfield + 1, &fields);
  for (uint32_t i = 0; i <= nfield; i++) {
    napi_value name;
    const char *n = i ? ts_language_field_name_for_id(s->language, (TSFieldId)i) : NULL;
    napi_create_string_utf8(env, n ? n : "", NAPI_AUTO_LENGTH, &name);
    napi_set_element(env, fields, i, name);
  }
  napi_set_named_property(env, result, "names", names);
  napi_set_named_property(env, result, "named", named);
  napi_set_named_property(env, result, "fields", fields);
  return result;
}

// Records are written straight into the result's buffer, sized from the tree's count of visible
// nodes (the ones a cursor visits); `owned` is set if that count fell short and they moved to memory
// of our own, copied into a buffer of the right size at the end.
typedef struct {
  int32_t *data;
  size_t len, cap;
  int owned;
} Records;

static int grow(Records *r) {
  size_t cap = r->cap ? r->cap * 2 : 4096 * RECORD_WORDS;
  int32_t *d = r->owned ? realloc(r->data, cap * sizeof *d) : malloc(cap * sizeof *d);
  if (!d) return 0;
  if (!r->owned && r->len) memcpy(d, r->data, r->len * sizeof *d);
  r->data = d;
  r->cap = cap;
  r->owned = 1;
  return 1;
}

// Walk the tree in document order with a cursor; `open` holds the records whose subtree end is pending.
static int flatten_tree(TSTree *tree, Records *r) {
  TSTreeCursor c = ts_tree_cursor_new(ts_tree_root_node(tree));
  size_t *open = NULL, depth = 0, open_cap = 0;
  int ok = 1;
  for (;;) {
    TSNode n = ts_tree_cursor_current_node(&c);
    if (r->len + RECORD_WORDS > r->cap && !grow(r)) { ok = 0; break; }
    int32_t *w = r->data + r->len;
    w[0] = (int32_t)(ts_node_symbol(n) | ((uint32_t)ts_tree_cursor_current_field_id(&c) << 16));
    w[1] = (int32_t)(ts_node_start_byte(n) / 2);
    w[2] = (int32_t)(ts_node_end_byte(n) / 2);
    w[4] = (ts_node_is_named(n) ? 1 : 0) | (ts_node_is_missing(n) ? 2 : 0) | (depth == 0 && ts_node_has_error(n) ? 4 : 0);
    size_t index = r->len / RECORD_WORDS;
    r->len += RECORD_WORDS;
    if (ts_tree_cursor_goto_first_child(&c)) {
      if (depth == open_cap) {
        size_t cap = open_cap ? open_cap * 2 : 256;
        size_t *o = realloc(open, cap * sizeof *o);
        if (!o) { ok = 0; break; }
        open = o;
        open_cap = cap;
      }
      open[depth++] = index;
      continue;
    }
    r->data[index * RECORD_WORDS + 3] = (int32_t)(index + 1);
    int done = 0;
    while (!ts_tree_cursor_goto_next_sibling(&c)) {
      if (depth == 0 || !ts_tree_cursor_goto_parent(&c)) { done = 1; break; }
      r->data[open[--depth] * RECORD_WORDS + 3] = (int32_t)(r->len / RECORD_WORDS);
    }
    if (done) break;
  }
  while (depth) r->data[open[--depth] * RECORD_WORDS + 3] = (int32_t)(r->len / RECORD_WORDS);
  free(open);
  ts_tree_cursor_delete(&c);
  return ok;
}

// parse(text: string, timeoutMs: number) -> Int32Array, or null when the parse timed out.
static napi_value parse(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  State *s = NULL;
  if (napi_get_instance_data(env, (void **)&s) != napi_ok || !s) return throw_error(env, "parse: init() was not called");
  size_t len = 0;
  if (argc < 1 || napi_get_value_string_utf16(env, argv[0], NULL, 0, &len) != napi_ok)
    return throw_error(env, "parse: expected a string");
  double timeout_ms = 0;
  if (argc >= 2) napi_get_value_double(env, argv[1], &timeout_ms);
  if (len + 1 > s->text_cap) {
    free(s->text);
    s->text_cap = 0;
    s->text = malloc((len + 1) * sizeof *s->text);
    if (!s->text) return throw_error(env, "parse: out of memory");
    s->text_cap = len + 1;
  }
  uint16_t *text = s->text;
  napi_get_value_string_utf16(env, argv[0], (char16_t *)text, len + 1, &len);

  Source src = { text, (uint32_t)(len * 2) };
  Deadline d = { timeout_ms > 0 ? now_ns() + (uint64_t)(timeout_ms * 1e6) : 0 };
  TSInput input = { &src, read_source, TSInputEncodingUTF16LE, NULL };
  TSParseOptions options = { &d, past_deadline };
  TSTree *tree = ts_parser_parse_with_options(s->parser, NULL, input, options);
  if (!tree) {
    ts_parser_reset(s->parser);
    napi_value null;
    napi_get_null(env, &null);
    return null;
  }
  size_t nodes = ts_node_descendant_count(ts_tree_root_node(tree));
  void *data = NULL;
  napi_value buffer, array;
  if (napi_create_arraybuffer(env, nodes * RECORD_WORDS * sizeof(int32_t), &data, &buffer) != napi_ok) {
    ts_tree_delete(tree);
    return throw_error(env, "parse: could not allocate the result");
  }
  Records r = { data, 0, nodes * RECORD_WORDS, 0 };
  int ok = flatten_tree(tree, &r);
  ts_tree_delete(tree);
  if (!ok) {
    if (r.owned) free(r.data);
    return throw_error(env, "parse: out of memory");
  }
  if (r.owned) {
    if (napi_create_arraybuffer(env, r.len * sizeof(int32_t), &data, &buffer) != napi_ok) {
      free(r.data);
      return throw_error(env, "parse: could not allocate the result");
    }
    memcpy(data, r.data, r.len * sizeof(int32_t));
    free(r.data);
  }
  napi_create_typedarray(env, napi_int32_array, r.len, buffer, 0, &array);
  return array;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value fn;
  napi_create_function(env, "init", NAPI_AUTO_LENGTH, init, NULL, &fn);
  napi_set_named_property(env, exports, "init", fn);
  napi_create_function(env, "parse", NAPI_AUTO_LENGTH, parse, NULL, &fn);
  napi_set_named_property(env, exports, "parse", fn);
  return exports;
}
