// kpath: Show send() Path — the path from the send syscall down to the drivers — and kpath: Show
// Receive Path — a packet up to the socket, and recvfrom() down to the copy — in the path panel.
// They take optional arguments so that other features (a code lens on a function of the path) can
// open the panel for a family, through chosen targets, at a given function.
import * as vscode from 'vscode';
import type { SendPathParams } from '../../server/protocol';
import type { Host } from '../host';
import { PathPanel } from './sendPathPanel';

export interface ShowSendPathArgs extends SendPathParams {
  focus?: string;
}

export function activate(host: Host): void {
  const show = (kind: 'send' | 'recv') => (args?: ShowSendPathArgs) => {
    if (!host.session(true)) return;
    const { focus, ...params } = args ?? {};
    const through = params.through ? { through: params.through } : {};
    PathPanel.show(host, { kind, params: { family: params.family ?? 'ipv4', ...through } }, focus);
  };
  host.context.subscriptions.push(
    vscode.commands.registerCommand('kpath.showSendPath', show('send')),
    vscode.commands.registerCommand('kpath.showRecvPath', show('recv')),
  );
}
