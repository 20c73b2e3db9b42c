import type { MetadataRoute } from 'next';

/** The web app manifest: makes Made Open installable as an app (PWA) on phones and desktops. */
export default function manifest(): MetadataRoute.Manifest {
  return {
    name: 'Made Open',
    short_name: 'Made Open',
    description: 'Your self-hosted personal hub: contacts, notes and communications in one private place.',
    id: '/',
    start_url: '/',
    scope: '/',
    display: 'standalone',
    background_color: '#ffffff',
    theme_color: '#3b3fb0',
    icons: [
      { src: '/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
      { src: '/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
      { src: '/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
      { src: '/icon.svg', sizes: 'any', type: 'image/svg+xml' },
    ],
  };
}
