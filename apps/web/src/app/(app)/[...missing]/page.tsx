import { notFound } from 'next/navigation';

/**
 * Any address the app does not have: answered by (app)/not-found.tsx inside the app shell
 * (with navigation and search), not by Next's bare 404 page.
 */
export default function Missing() {
  notFound();
}
