import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError } from '../api/errors.js';
import type { Settings } from '../api/types.js';
import { ErrorCard } from '../components/ErrorCard.js';
import { MirrorsCard } from '../components/MirrorsCard.js';
import { useAction } from '../hooks/use-action.js';
import { useApp } from '../hooks/app-context.js';
import { useNotify } from '../hooks/use-notify.js';
import { useQuery } from '../hooks/use-query.js';
import { formOf, settingsPatch, takenPort, validateSettings, type SettingsErrors, type SettingsForm } from './settings-form.js';

type TextField = 'registryPort' | 'proxyPort' | 'hostname' | 'storagePath';
const FIELD_ORDER: TextField[] = ['registryPort', 'proxyPort', 'hostname', 'storagePath'];
const fieldId = (name: keyof SettingsForm): string => `settings-${name}`;

function Field({ name, label, hint, error, children }: { name: TextField; label: string; hint: ReactNode; error: ReactNode; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={fieldId(name)}>{label}</label>
      {children}
      <p id={`${fieldId(name)}-hint`} className="field-hint muted">{hint}</p>
      {error ? <p id={`${fieldId(name)}-error`} className="field-error" role="alert">{error}</p> : null}
    </div>
  );
}

/** What to do about a taken port, next to the field that asked for it. */
function PortTaken({ port }: { port: number }) {
  return (
    <>
      Port {port} is already in use by another program, so Berth kept its previous settings (they are still in effect).
      Pick another port (0 lets the system choose a free one), or stop the program that holds it: <code>ss -ltnp 'sport = :{port}'</code> shows which one.
    </>
  );
}

/** The app's settings; saving restarts the listeners with them, and a refused change leaves the old ones running. */
export function SettingsPage() {
  const { client, settingsSaved, status } = useApp();
  const notify = useNotify();
  const loaded = useQuery(() => client.getSettings(), [client]);
  const [saved, setSaved] = useState<Settings | null>(null);
  const [form, setForm] = useState<SettingsForm | null>(null);
  const [errors, setErrors] = useState<SettingsErrors>({});
  const { busy, error: failure, run, clear: clearFailure } = useAction();
  const formRef = useRef<HTMLFormElement>(null);

  // Only the first answer fills the form: later refetches (after pushes) must not wipe what is being typed.
  useEffect(() => {
    if (loaded.data && !saved) {
      setSaved(loaded.data);
      setForm(formOf(loaded.data));
    }
  }, [loaded.data, saved]);

  const focusField = (name: keyof SettingsForm): void => {
    formRef.current?.querySelector<HTMLInputElement>(`#${fieldId(name)}`)?.focus();
  };

  if (!form || !saved) {
    return (
      <>
        <div className="page-head"><h1>Settings</h1></div>
        {loaded.error ? <ErrorCard error={loaded.error} action="load the settings" onRetry={loaded.reload} /> : <p className="muted">Loading…</p>}
      </>
    );
  }

  const set = <K extends keyof SettingsForm>(key: K, value: SettingsForm[K]): void => {
    setForm((current) => (current ? { ...current, [key]: value } : current));
    if (errors[key]) setErrors({ ...errors, [key]: undefined });
  };

  const portInUse = failure instanceof ApiError && failure.code === 'PORT_IN_USE' ? takenPort(failure.message) : undefined;
  const takenField: TextField | undefined =
    portInUse === undefined ? undefined : portInUse === Number(form.registryPort) ? 'registryPort' : portInUse === Number(form.proxyPort) ? 'proxyPort' : undefined;
  const errorOf = (name: TextField): ReactNode => errors[name] ?? (takenField === name && portInUse !== undefined ? <PortTaken port={portInUse} /> : null);
  const described = (name: TextField): string => [`${fieldId(name)}-hint`, errorOf(name) ? `${fieldId(name)}-error` : ''].filter(Boolean).join(' ');
  const textInput = (name: TextField, extra: { inputMode?: 'numeric'; autoComplete?: string } = {}) => (
    <input
      id={fieldId(name)}
      value={form[name]}
      onChange={(e) => set(name, e.target.value)}
      aria-invalid={errorOf(name) ? true : undefined}
      aria-describedby={described(name)}
      spellCheck={false}
      {...extra}
    />
  );

  const patch = settingsPatch(saved, form);
  const changed = Object.keys(patch).length > 0;

  const save = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const found = validateSettings(form);
    setErrors(found);
    clearFailure();
    const first = FIELD_ORDER.find((name) => found[name]);
    if (first) {
      focusField(first);
      return;
    }
    if (!changed) return;
    const submitted = form;
    await run(async () => {
      const next = await client.updateSettings(patch).catch((error: unknown) => {
        const port = error instanceof ApiError && error.code === 'PORT_IN_USE' ? takenPort(error.message) : undefined;
        if (port === Number(form.registryPort)) focusField('registryPort');
        else if (port === Number(form.proxyPort)) focusField('proxyPort');
        throw error;
      });
      setSaved(next);
      // A field edited while the save was in flight keeps what was typed; an untouched form shows what was saved.
      setForm((current) => (current === submitted ? formOf(next) : current));
      settingsSaved(next);
      notify('Settings saved; the registry now runs with them.');
    });
  };

  return (
    <>
      <div className="page-head"><h1>Settings</h1></div>
      <form ref={formRef} className="card settings-form" aria-label="Settings" noValidate onSubmit={(e) => void save(e)}>
        <h2>Network</h2>
        <Field name="registryPort" label="Registry port" hint="Plain HTTP, for docker and skopeo on this machine. 0 picks a free port." error={errorOf('registryPort')}>
          {textInput('registryPort', { inputMode: 'numeric' })}
        </Field>
        <Field name="proxyPort" label="Proxy port" hint="HTTPS with a login, in front of the registry (after a certificate was generated on the Access page)." error={errorOf('proxyPort')}>
          {textInput('proxyPort', { inputMode: 'numeric' })}
        </Field>
        <label className="checkbox">
          <input type="checkbox" checked={form.bindAll} onChange={(e) => set('bindAll', e.target.checked)} aria-describedby="settings-bindAll-hint" />
          Listen on all network interfaces (HTTPS proxy, with a password)
        </label>
        <p id="settings-bindAll-hint" className="field-hint muted">
          Other machines reach the proxy and must log in. The plain registry port stays on this machine while the proxy runs.
        </p>
        <label className="checkbox danger">
          <input
            type="checkbox"
            checked={form.openRegistryWithoutPassword}
            onChange={(e) => set('openRegistryWithoutPassword', e.target.checked)}
            aria-describedby="settings-openRegistryWithoutPassword-hint"
          />
          Open registry, no password (the plain HTTP port on every network interface)
        </label>
        <p id="settings-openRegistryWithoutPassword-hint" className="field-hint muted">
          Anyone who can reach this machine can push, overwrite and delete images without logging in.
          {status?.proxy.state === 'running' ? ' Has no effect now: the HTTPS proxy runs, so the plain port stays on this machine.' : ' Only while the HTTPS proxy is off.'}
        </p>
        <Field name="hostname" label="Host name" hint="The name docker uses for the proxy; the certificate is made for it." error={errorOf('hostname')}>
          {textInput('hostname', { autoComplete: 'off' })}
        </Field>

        <h2>Storage and API</h2>
        <Field name="storagePath" label="Storage folder" hint="Where images are kept. Another folder switches to the images in it; nothing is moved." error={errorOf('storagePath')}>
          {textInput('storagePath', { autoComplete: 'off' })}
        </Field>
        <label className="checkbox">
          <input type="checkbox" checked={form.v1Enabled} onChange={(e) => set('v1Enabled', e.target.checked)} />
          Serve the v1 API (/v1/…, /_ping) for older clients
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={form.startAtLogin} onChange={(e) => set('startAtLogin', e.target.checked)} />
          Start Berth when I log in
        </label>

        {failure && !takenField ? <ErrorCard error={failure} action="save the settings" /> : null}
        <div className="row settings-actions">
          <button type="submit" disabled={busy || !changed}>{busy ? 'Saving…' : 'Save'}</button>
          <button type="button" disabled={busy || !changed} onClick={() => {
            setForm(formOf(saved));
            setErrors({});
            clearFailure();
          }}>Undo changes</button>
          {changed ? <span className="muted">Saving restarts the listeners with the new values.</span> : null}
        </div>
      </form>
      <MirrorsCard />
    </>
  );
}
