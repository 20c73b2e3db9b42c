import type { AuthenticatedUser } from '../../platform/http/authentication.ts';
import type { ClassesService, ContactClassesService, ClassRule } from './ai.classes.ts';
import { detectPii } from './ai.pii.ts';
import type { ContextItem } from './ai.routing.ts';

/** An entity's text as a model would read it. */
export interface ContextEntity {
  entityId: string;
  type: string;
  title: string;
  text: string;
}

export interface ContextDeps {
  classes: Pick<ClassesService, 'rules'>;
  contactClasses: Pick<ContactClassesService, 'rulesFor'>;
  defaultRegionOf: (userId: string) => Promise<string | undefined>;
}

const unknownType: ClassRule = { dataClass: 'sensitive', cloudRedacted: false };

/**
 * Context items for routing: each entity with its class (a contact's own class replaces the
 * type's for them and what is linked to them) and the PII found in its text. Free text
 * (a question, a stored turn) is classed by the caller and gets its PII here too.
 */
export function createContext(deps: ContextDeps) {
  return async function contextOf(
    user: AuthenticatedUser,
    entities: readonly ContextEntity[],
    free: ReadonlyArray<{ type: string; text: string; rule: ClassRule }> = [],
  ): Promise<{ free: ContextItem[]; entities: ContextItem[] }> {
    const [rules, contactRules, region] = await Promise.all([
      deps.classes.rules(user),
      deps.contactClasses.rulesFor(
        user,
        entities.map((e) => e.entityId),
      ),
      deps.defaultRegionOf(user.id),
    ]);
    return {
      free: free.map((f) => ({
        entityId: null,
        type: f.type,
        text: f.text,
        rule: f.rule,
        pii: detectPii(f.text, region),
      })),
      entities: entities.map((e) => {
        const text = `${e.title}\n${e.text}`;
        return {
          entityId: e.entityId,
          type: e.type,
          text,
          rule: contactRules.get(e.entityId) ?? rules.get(e.type) ?? unknownType,
          pii: detectPii(text, region),
        };
      }),
    };
  };
}

export type ContextOf = ReturnType<typeof createContext>;
