import { contextActions, contextMethods } from '@made-open/plugin-sdk/methods';
import { describe, expect, it } from 'vitest';
import { builtInActions } from './actions.registry.ts';

describe('the actions registry', () => {
  it('has an action for every PluginContext method (one table in the SDK, one action here)', () => {
    const names = builtInActions.map((a) => a.name);
    expect(new Set(names).size).toBe(names.length);
    for (const action of contextActions) expect(names, action).toContain(action);
    expect(Object.keys(contextMethods)).toEqual(
      expect.arrayContaining(['entities.get', 'http.fetch', 'storage.list', 'log.info', 'notify']),
    );
  });

  it('describes each action and gives each a permission rule', () => {
    for (const action of builtInActions) {
      expect(action.description.length, action.name).toBeGreaterThan(10);
      expect(typeof action.permission, action.name).toBe('function');
    }
  });
});
