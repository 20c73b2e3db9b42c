export * from './manifest.ts';
export * from './context.ts';
export * from './methods.ts';
