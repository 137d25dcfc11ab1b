// kpath: Show send() Path — the path from the send syscall down to the drivers, in the path panel.
// Takes optional arguments so that other features (a code lens on a function of the path) can open
// the panel for a family, through chosen targets, at a given function.
import * as vscode from 'vscode';
import type { SendPathParams } from '../../server/protocol';
import type { Host } from '../host';
import { PathPanel } from './sendPathPanel';

export interface ShowSendPathArgs extends SendPathParams {
  focus?: string;
}

export function activate(host: Host): void {
  host.context.subscriptions.push(
    vscode.commands.registerCommand('kpath.showSendPath', (args?: ShowSendPathArgs) => {
      if (!host.session(true)) return;
      const { focus, ...params } = args ?? {};
      PathPanel.show(
        host,
        { kind: 'send', params: { family: params.family ?? 'ipv4', ...(params.through ? { through: params.through } : {}) } },
        focus,
      );
    }),
  );
}
