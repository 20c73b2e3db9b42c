-- Identity resolution (issue 17): suggested duplicates, and the blocking keys that find
-- them. Suggestions are never merged silently: a person accepts or dismisses each, and a
-- dismissed pair stays dismissed whatever arrives later.
CREATE TABLE IF NOT EXISTS public.person_suggestions (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  -- The pair, in uuid order, so (a, b) and (b, a) are one row.
  person_a_id uuid NOT NULL,
  person_b_id uuid NOT NULL,
  score real NOT NULL CHECK (score >= 0 AND score <= 1),
  -- [{code, ...}] as identity.scoring.ts writes them.
  reasons jsonb NOT NULL CHECK (jsonb_typeof(reasons) = 'array'),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'dismissed')),
  -- The merge that accepted it (person_merges.id): undo reopens the suggestion.
  merge_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz,
  CONSTRAINT person_suggestions_ordered CHECK (person_a_id < person_b_id),
  CONSTRAINT person_suggestions_pair UNIQUE (owner_id, person_a_id, person_b_id),
  CONSTRAINT person_suggestions_a_fkey FOREIGN KEY (owner_id, person_a_id) REFERENCES public.entities (owner_id, id) ON DELETE CASCADE,
  CONSTRAINT person_suggestions_b_fkey FOREIGN KEY (owner_id, person_b_id) REFERENCES public.entities (owner_id, id) ON DELETE CASCADE
);
-- The review queue: open ones, best first.
CREATE INDEX IF NOT EXISTS person_suggestions_queue ON public.person_suggestions (owner_id, status, score DESC, id);
CREATE INDEX IF NOT EXISTS person_suggestions_b ON public.person_suggestions (owner_id, person_b_id);

-- Blocking keys (e:email, p:+E164, n:/g:/s: name keys): a person meets only the persons that
-- share a key with it, never the whole address book.
CREATE TABLE IF NOT EXISTS public.person_match_keys (
  owner_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id) ON DELETE CASCADE,
  key text NOT NULL CHECK (length(key) BETWEEN 2 AND 400),
  person_id uuid NOT NULL,
  PRIMARY KEY (owner_id, key, person_id),
  CONSTRAINT person_match_keys_person_fkey FOREIGN KEY (owner_id, person_id) REFERENCES public.entities (owner_id, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS person_match_keys_person ON public.person_match_keys (owner_id, person_id);

ALTER TABLE public.person_suggestions ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.person_suggestions FORCE ROW LEVEL SECURITY;
ALTER TABLE public.person_match_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.person_match_keys FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS person_suggestions_select_own ON public.person_suggestions;
CREATE POLICY person_suggestions_select_own ON public.person_suggestions
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS person_suggestions_insert_own ON public.person_suggestions;
CREATE POLICY person_suggestions_insert_own ON public.person_suggestions
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS person_suggestions_update_own ON public.person_suggestions;
CREATE POLICY person_suggestions_update_own ON public.person_suggestions
  FOR UPDATE TO authenticated USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS person_suggestions_delete_own ON public.person_suggestions;
CREATE POLICY person_suggestions_delete_own ON public.person_suggestions
  FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));

DROP POLICY IF EXISTS person_match_keys_select_own ON public.person_match_keys;
CREATE POLICY person_match_keys_select_own ON public.person_match_keys
  FOR SELECT TO authenticated USING (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS person_match_keys_insert_own ON public.person_match_keys;
CREATE POLICY person_match_keys_insert_own ON public.person_match_keys
  FOR INSERT TO authenticated WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS person_match_keys_update_own ON public.person_match_keys;
CREATE POLICY person_match_keys_update_own ON public.person_match_keys
  FOR UPDATE TO authenticated USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
DROP POLICY IF EXISTS person_match_keys_delete_own ON public.person_match_keys;
CREATE POLICY person_match_keys_delete_own ON public.person_match_keys
  FOR DELETE TO authenticated USING (owner_id = (SELECT auth.uid()));

REVOKE ALL ON public.person_suggestions, public.person_match_keys FROM anon;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.person_suggestions, public.person_match_keys TO authenticated, service_role;
