import { vi } from 'vitest';

export const router = { push: vi.fn(), replace: vi.fn(), refresh: vi.fn(), back: vi.fn(), prefetch: vi.fn() };
let params = new URLSearchParams();
export function setSearchParams(p: Record<string, string>) {
  params = new URLSearchParams(p);
}
let pathname = '/contacts';
export function setPathname(p: string) {
  pathname = p;
}

vi.mock('next/navigation', () => ({
  useRouter: () => router,
  useSearchParams: () => params,
  usePathname: () => pathname,
}));
