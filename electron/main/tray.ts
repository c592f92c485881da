import type { ListenerState } from '../shared/bridge.js';
import type { AppContext, AppModule } from './context.js';
import type { MenuItemConstructorOptions, TrayPort } from './ports.js';

/** The tray's first line: what the registry is doing, in words (DESKTOP_UX §3). */
export function statusLine(state: ListenerState): string {
  switch (state.state) {
    case 'running':
      return `Registry running on ${state.address}`;
    case 'stopped':
      return 'Registry stopped';
    case 'error':
      return /already in use/.test(state.message) ? `Port in use: ${state.message}` : `Registry error: ${state.message}`;
  }
}

export function trayMenu(ctx: AppContext, state: ListenerState): MenuItemConstructorOptions[] {
  return [
    { label: statusLine(state), enabled: false },
    { type: 'separator' },
    { label: 'Open Berth', click: () => ctx.showWindow() },
    { label: 'Copy docker login command', enabled: state.state === 'running', click: () => ctx.electron.clipboard.writeText(ctx.services.dockerLoginCommand()) },
    { type: 'separator' },
    {
      label: 'Quit Berth',
      click: () => {
        ctx.quitting.value = true;
        ctx.electron.app.quit();
      },
    },
  ];
}

export const trayModule: AppModule = {
  name: 'tray',
  async enable(ctx) {
    const tray: TrayPort = new ctx.electron.Tray(ctx.files.trayIcon);
    const render = (state: ListenerState): void => {
      tray.setToolTip(`Berth — ${statusLine(state)}`);
      tray.setContextMenu(ctx.electron.Menu.buildFromTemplate(trayMenu(ctx, state)));
    };
    render((await ctx.services.api.getStatus()).registry);
    ctx.services.onEvent((event) => {
      if (event.type === 'status') render(event.status.registry);
    });
    tray.on('click', () => ctx.showWindow());
  },
};
