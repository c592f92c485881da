import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createClient } from './api/client.js';
import { App } from './App.js';
import { applyTheme, readTheme } from './hooks/use-theme.js';
import './styles/theme.css';
import './styles/app.css';
import './styles/edges.css';
import './styles/explorer.css';
import './styles/cache.css';
import './styles/cleanup.css';

// Before the first paint: a remembered dark theme must not flash light.
applyTheme(document, readTheme(window));

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App client={createClient(window)} />
  </StrictMode>,
);
