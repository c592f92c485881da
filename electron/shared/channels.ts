// IPC channel names of the bridge: one per method, derived from its name, plus the event channel. No run-time
// imports: the sandboxed preload bundles this file.
import type { BerthMethod } from './methods.js';

export type MethodChannel = `berth:${BerthMethod}`;

export const channelOf = (method: BerthMethod): MethodChannel => `berth:${method}`;
export const EVENT_CHANNEL = 'berth:event';
