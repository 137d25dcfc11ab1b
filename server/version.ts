// kpath's version, as package.json says it (esbuild keeps only this field of the file).
export { version as KPATH_VERSION } from '../package.json';
