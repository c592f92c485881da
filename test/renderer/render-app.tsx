import { act, configure, render, type RenderResult } from '@testing-library/react';
import { App } from '../../renderer/src/App.js';
import { FakeBerth } from './fake-berth.js';

// The machine running these is shared and often loaded: give findBy/waitFor room (they return as soon as the
// condition holds, so passing runs are not slower; a failing one still ends well inside the 120 s test limit).
configure({ asyncUtilTimeout: 60_000 });

/** Renders the whole app on a route with an injected fake client. */
export function renderApp(fake = new FakeBerth(), hash = '#/'): { fake: FakeBerth; view: RenderResult } {
  window.sessionStorage.clear();
  window.history.replaceState(null, '', `/${hash}`);
  const view = render(<App client={fake} win={window} />);
  return { fake, view };
}

/** Navigates like a clicked link would, and lets React handle the hashchange. */
export async function goTo(hash: string): Promise<void> {
  await act(async () => {
    window.location.hash = hash;
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  });
}
