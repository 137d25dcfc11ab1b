// Stores from outside the indexed folders. A call in the scope through a field that nothing in the
// scope stores into (`hdev->notify(hdev, evt)` in net/bluetooth, whose drivers live in
// drivers/bluetooth) has no answer from the scope alone. The .c files outside it that store into
// such a field are found by one text walk and indexed like any other file, flagged `outside`: their
// functions become targets (with their stores as evidence), their own calls are not counted as the
// scope's. Only fields with no store at all in the scope are looked for: a field the scope already
// fills (`proto_ops.sendmsg`) keeps the scope's answer, and the walk stays small.
import type { KernelIndex } from './kernelIndex';
import { forEachUnindexedSource } from './unindexedSources';
import { indexOfWord } from '../words';

/** Field name → labels of the structs it may belong to (the slot's own and its general names'). */
export type FieldNeeds = Map<string, Set<string>>;

/**
 * The fields called through in the scope's files (not `outside`) that the scope fills nowhere: no
 * target, or only targets stored in files held from outside (asked again after they were added).
 */
export function neededFields(ix: KernelIndex): FieldNeeds {
  const needs: FieldNeeds = new Map();
  const fromOutside = (e: { file: string }): boolean => ix.outside.has(e.file);
  for (const rel of ix.files.keys()) {
    if (ix.outside.has(rel)) continue;
    for (const s of ix.sitesIn(rel)) {
      if (!s.slot || s.kind !== 'field' || !ix.targetsOf(s).every((t) => t.evidence.every(fromOutside))) continue;
      // A field slot is `struct.member…field`; its general names start at the inner structs.
      for (const slot of [s.slot, ...(s.general ?? [])]) {
        const parts = slot.split('.');
        if (parts.length < 2) continue;
        const field = parts[parts.length - 1];
        const structs = needs.get(field) ?? new Set<string>();
        structs.add(parts[0]);
        needs.set(field, structs);
      }
    }
  }
  return needs;
}

/**
 * The .c files not indexed that store into a needed field: `.field = …` or `->field = …` in a file
 * that names one of the field's structs (a table `static const struct hci_ops x = { .notify = f }`
 * or an assignment in a file that declares `struct hci_dev *hdev`). A superset: the resolver then
 * decides what each store really fills.
 */
export function filesStoringInto(root: string, needs: FieldNeeds, indexed: (rel: string) => boolean): string[] {
  if (!needs.size) return [];
  const found: string[] = [];
  forEachUnindexedSource(root, indexed, (rel, _folder, text) => {
    if (storesIntoNeeded(text, needs)) found.push(rel);
  });
  return found.sort();
}

// Every `.name =` / `->name =`, then the name looked up: one simple pattern runs far faster over
// a gigabyte than an alternation of hundreds of names.
const STORE = /(?:\.|->)[ \t]*([A-Za-z_]\w*)[ \t]*=(?!=)/g;

/**
 * Whether `text` stores into a needed field and names one of that field's structs. Each field and
 * each struct is looked at once per file: a driver with hundreds of `.open =` in tables of other
 * structs would otherwise search its whole text for the same struct names at every one of them
 * (that search was two thirds of the walk).
 */
export function storesIntoNeeded(text: string, needs: FieldNeeds): boolean {
  const fieldsSeen = new Set<string>();
  const named = new Map<string, boolean>();
  const names = (struct: string): boolean => {
    let yes = named.get(struct);
    if (yes === undefined) named.set(struct, (yes = indexOfWord(text, struct) >= 0));
    return yes;
  };
  for (const m of text.matchAll(STORE)) {
    const structs = needs.get(m[1]);
    if (!structs || fieldsSeen.has(m[1])) continue;
    fieldsSeen.add(m[1]);
    for (const s of structs) if (names(s)) return true;
  }
  return false;
}
