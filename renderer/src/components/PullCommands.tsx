import { useState } from 'react';
import { addresses, pullCommand, TOOLS, type Tool } from '../commands.js';
import { useApp } from '../hooks/app-context.js';
import { CopyCommand } from './CopyCommand.js';

/** Pull commands for one tag or digest, per tool, for the loopback address and the proxy hostname. */
export function PullCommands({ repository, reference, digest }: { repository: string; reference: string; digest?: string }) {
  const { status, settings } = useApp();
  const [tool, setTool] = useState<Tool>('docker');
  const [byDigest, setByDigest] = useState(false);
  const { direct, proxy } = addresses(status, settings);
  const ref = byDigest && digest ? digest : reference;
  const onKey = (e: React.KeyboardEvent, i: number): void => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const next = TOOLS[(i + step + TOOLS.length) % TOOLS.length] as Tool;
    setTool(next);
    (e.currentTarget.parentElement?.querySelector(`[data-tool="${next}"]`) as HTMLElement | null)?.focus();
  };
  return (
    <div className="pull-commands">
      <div className="pull-head">
        {/* A tablist holds only tabs: the digest switch sits beside it. */}
        <div role="tablist" aria-label="Client">
          {TOOLS.map((t, i) => (
            <button key={t} type="button" role="tab" data-tool={t} aria-selected={t === tool} tabIndex={t === tool ? 0 : -1} onClick={() => setTool(t)} onKeyDown={(e) => onKey(e, i)}>
              {t}
            </button>
          ))}
        </div>
        {digest && digest !== reference ? (
          <label className="checkbox by-digest">
            <input type="checkbox" checked={byDigest} onChange={(e) => setByDigest(e.target.checked)} />
            Pull by digest
          </label>
        ) : null}
      </div>
      <div role="tabpanel" aria-label={`${tool} commands`}>
        {direct ? <CopyCommand label="This machine" text={pullCommand(tool, direct, repository, ref, true)} /> : null}
        {proxy ? <CopyCommand label="Proxy (TLS)" text={pullCommand(tool, proxy, repository, ref, false)} /> : null}
        {!direct && !proxy ? <p className="muted">The registry address is not known yet.</p> : null}
      </div>
    </div>
  );
}
