// The lanes of the panel: one derivation for the server's paths and the panel, kept in
// server/graph/lanes.ts (each hop's functions carry the lane the server gave them).
export { classify, laneOf, layerIndex, layers, type LayerId } from '../../server/graph/lanes';
