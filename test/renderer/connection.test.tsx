// @vitest-environment jsdom
// Losing the server: the monitor's state machine (with fake timers: no real waiting), and the app's banner,
// dimmed page and refetch on recovery.
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffMs, ConnectionMonitor, HEALTH_INTERVAL_MS, type ConnectionState } from '../../renderer/src/api/connection.js';
import { ApiError } from '../../renderer/src/api/errors.js';
import type { ConnectionUpdate, ServiceStatus } from '../../renderer/src/api/types.js';
import { FakeBerth } from './fake-berth.js';
import { renderApp } from './render-app.js';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const STATUS = { hostname: 'h' } as ServiceStatus;
const down = (): ApiError => new ApiError({ code: 'NETWORK', message: 'Failed to fetch' });

describe('ConnectionMonitor', () => {
  it('goes offline on a suspected drop, backs off, and recovers with a fresh status', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    let up = true;
    const probes: number[] = [];
    const recovered: ServiceStatus[] = [];
    const monitor = new ConnectionMonitor({
      probe: async () => {
        probes.push(Date.now());
        if (!up) throw down();
        return STATUS;
      },
      recovered: (s) => recovered.push(s),
      refused: () => undefined,
    });
    const states: ConnectionState[] = [];
    const stop = monitor.subscribe((s) => states.push(s));
    expect(states).toEqual([{ online: true }]);

    // The health poll runs while online, and finds the server gone.
    up = false;
    await vi.advanceTimersByTimeAsync(HEALTH_INTERVAL_MS);
    expect(states.at(-1)).toMatchObject({ online: false, attempt: 0, since: 1_000_000 + HEALTH_INTERVAL_MS, retryAt: 1_000_000 + HEALTH_INTERVAL_MS + backoffMs(0) });
    // Retries back off: 1 s, 2 s, 4 s…
    await vi.advanceTimersByTimeAsync(backoffMs(0));
    await vi.advanceTimersByTimeAsync(backoffMs(1));
    expect(states.at(-1)).toMatchObject({ online: false, attempt: 2 });
    expect(probes.slice(1).map((t, i) => t - (probes[i] as number))).toEqual([backoffMs(0), backoffMs(1)]);
    expect([backoffMs(2), backoffMs(3), backoffMs(4), backoffMs(10)]).toEqual([4_000, 8_000, 15_000, 15_000]);

    // Back: the next try recovers and hands over the fresh status.
    up = true;
    await vi.advanceTimersByTimeAsync(backoffMs(2));
    expect(states.at(-1)).toEqual({ online: true });
    expect(recovered).toEqual([STATUS]);
    stop();
  });

  it('checks at once when told the stream dropped, and treats a refusal as reachable', async () => {
    vi.useFakeTimers();
    const refused: unknown[] = [];
    let answer: () => Promise<ServiceStatus> = () => Promise.reject(down());
    const monitor = new ConnectionMonitor({ probe: () => answer(), recovered: () => undefined, refused: (e) => refused.push(e) });
    const states: ConnectionState[] = [];
    monitor.subscribe((s) => states.push(s));
    monitor.suspect();
    await vi.advanceTimersByTimeAsync(0);
    expect(states.at(-1)).toMatchObject({ online: false });
    const badToken = new ApiError({ code: 'UNAUTHORIZED', message: 'missing or wrong console token' }, 401);
    answer = () => Promise.reject(badToken);
    monitor.retry();
    await vi.advanceTimersByTimeAsync(0);
    expect(states.at(-1)).toEqual({ online: true });
    expect(refused).toEqual([badToken]);
  });

  it("counts a reverse proxy's 502-504 as unreachable, and the console's own UNAVAILABLE 503 as an answer", async () => {
    vi.useFakeTimers();
    const refused: unknown[] = [];
    let answer: () => Promise<ServiceStatus> = () => Promise.resolve(STATUS);
    const monitor = new ConnectionMonitor({ probe: () => answer(), recovered: () => undefined, refused: (e) => refused.push(e) });
    const states: ConnectionState[] = [];
    monitor.subscribe((s) => states.push(s));
    for (const status of [502, 503, 504]) {
      answer = () => Promise.reject(new ApiError({ code: `HTTP_${status}`, message: 'Bad Gateway' }, status));
      monitor.retry();
      await vi.advanceTimersByTimeAsync(0);
      expect(states.at(-1), String(status)).toMatchObject({ online: false });
    }
    const unavailable = new ApiError({ code: 'UNAVAILABLE', message: 'there is no keychain' }, 503);
    answer = () => Promise.reject(unavailable);
    monitor.retry();
    await vi.advanceTimersByTimeAsync(0);
    expect(states.at(-1)).toEqual({ online: true });
    expect(refused).toEqual([unavailable]);
  });
});

/** The fake client with the HTTP transport's connection hook, driven by the test. */
class FakeHttpBerth extends FakeBerth {
  private readonly connection = new Set<(s: ConnectionUpdate) => void>();
  retries = 0;
  onConnection(listener: (s: ConnectionUpdate) => void): () => void {
    this.connection.add(listener);
    listener({ online: true });
    return () => this.connection.delete(listener);
  }
  retryConnection(): void {
    this.retries++;
  }
  tell(state: ConnectionUpdate): void {
    for (const listener of this.connection) listener(state);
  }
}

describe('offline banner', () => {
  it('appears while the server is gone, greys the status, and goes with a refetch when it is back', async () => {
    const fake = new FakeHttpBerth();
    fake.addTag('app/web', '1.0');
    const { view } = renderApp(fake);
    await screen.findByRole('link', { name: 'app/web' });
    const app = view.container.querySelector('.app') as HTMLElement;
    expect(screen.queryByTestId('offline-banner')).toBeNull();

    act(() => fake.tell({ online: false, since: Date.now(), retryAt: Date.now() + 4_000, attempt: 2, reason: 'Failed to fetch' }));
    const banner = await screen.findByTestId('offline-banner');
    expect(banner.textContent).toContain('Berth is not answering.');
    expect(banner.textContent).toMatch(/Trying again in [1-4] s\./);
    expect(app.classList.contains('offline')).toBe(true);
    expect(screen.getByRole('main').getAttribute('aria-busy')).toBe('true');
    fireEvent.click(screen.getByRole('button', { name: 'Retry now' }));
    expect(fake.retries).toBe(1);

    // Back: the transport reports online and sends the fresh status; the lists load again.
    fake.addTag('app/api', '2.0');
    const before = fake.calls.filter((c) => c.method === 'listRepositories').length;
    act(() => {
      fake.tell({ online: true });
      fake.emit({ type: 'status', status: fake.status });
    });
    await waitFor(() => expect(screen.queryByTestId('offline-banner')).toBeNull());
    expect(app.classList.contains('offline')).toBe(false);
    await screen.findByRole('link', { name: 'app/api' });
    expect(fake.calls.filter((c) => c.method === 'listRepositories').length).toBeGreaterThan(before);
  });

  it('a refused token while polling shows the invalid-link page', async () => {
    const fake = new FakeHttpBerth();
    renderApp(fake);
    await screen.findByRole('navigation', { name: 'Main' });
    act(() => fake.tell({ online: true, error: new ApiError({ code: 'UNAUTHORIZED', message: 'missing or wrong console token' }, 401) }));
    expect(await screen.findByText('This console link is not valid')).toBeTruthy();
  });
});
