export * from './manifest.ts';
export * from './context.ts';
