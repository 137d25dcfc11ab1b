// The notes' own setting. It is read by the extension alone (the language server never sees notes),
// so it lives here rather than in protocol.ts's KpathSettings; the manifest test checks both sets.
export const notesSettingsDefaults = {
  /** Where the notes of the tree are kept: '' = `<tree>/.kpath/notes.json`; relative = to the tree root. */
  notesFile: '',
};
