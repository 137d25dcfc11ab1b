// The model's public surface for the CLI, the server and the webview. Everything exported here
// is pure (no Node APIs): the Node glue lives in simulateCommand.ts and conformance.ts.

export { parseScript } from './packetdrill/parse';
export type { Script, ScriptEvent, PacketEvent, SyscallEvent, TcpOptionSpec } from './packetdrill/ast';
export { PktSyntaxError } from './packetdrill/ast';
export { runScript } from './runner';
export type { RunOptions, RunResult, OutboundCheck, SyscallCheck, AssertCheck, Issue } from './runner';
export { simulateScenario, DEFAULT_SCENARIO } from './scenario';
export type { Scenario, ScenarioResult } from './scenario';
export { buildPcap } from './pcap';
export type { LinkType } from './pcap';
export { describePredicted, flagLetters } from './match';
export type { SeqMap } from './seqMap';
export { packetToScript } from './seqMap';
export type { Step, StepValue } from './tcp/trace';
export type { WirePacket } from './tcp/types';
