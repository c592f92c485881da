import { useEffect } from 'react';
import { ACCESS_SECTIONS } from '../components/ProxyChecklist.js';
import type { Route } from './use-hash-route.js';

/**
 * `#/access/<section>` (a fix link of the Push panel) brings that card into view and moves focus to its
 * heading, so keyboard and screen-reader users land where the fix is.
 */
export function useSectionFocus(route: Route, doc: Document): void {
  const section = route.page === 'access' ? route.section : undefined;
  useEffect(() => {
    const id = section ? ACCESS_SECTIONS[section] : undefined;
    const heading = id ? doc.getElementById(id) : null;
    if (!heading) return;
    heading.setAttribute('tabindex', '-1');
    heading.scrollIntoView?.({ block: 'start' });
    heading.focus();
  }, [section, doc]);
}
