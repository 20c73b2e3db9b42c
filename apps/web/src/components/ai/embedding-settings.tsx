'use client';
import { useEffect, useState } from 'react';
import { Button } from '@/components/ui/button';
import { embeddingStatusAction, reembedAction } from '@/lib/actions/ai';

interface EmbeddingStatus {
  vectors: 'on' | 'off';
  reason: string | null;
  profile: string;
  total: number;
  embedded: number;
  reembedding: boolean;
  problem: string | null;
}

const OFFLINE = 'use-lite-512';
const POLL_MS = 2_000;

/** The embedding model, how far embedding has got, and a re-embed button with a progress bar. */
export function EmbeddingSettings({ initial, localModels }: { initial: EmbeddingStatus; localModels: string[] }) {
  const [status, setStatus] = useState(initial);
  const [profile, setProfile] = useState(initial.profile);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const running = status.vectors === 'on' && (status.reembedding || status.embedded < status.total);

  useEffect(() => {
    if (!running) return;
    const timer = setTimeout(async () => {
      const next = await embeddingStatusAction();
      if (next.ok) setStatus(next.data);
      else setError(next.error);
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [running, status]);

  if (status.vectors === 'off') {
    return (
      <p role="status" className="rounded-lg border border-border bg-muted/40 p-3 text-sm">
        <strong className="font-semibold">Vector search is off.</strong> {status.reason}
      </p>
    );
  }

  async function start() {
    setBusy(true);
    setError(undefined);
    const result = await reembedAction(profile);
    setBusy(false);
    if (!result.ok) return setError(result.error);
    setStatus(result.data);
  }

  const percent = status.total === 0 ? 100 : Math.floor((status.embedded / status.total) * 100);
  const choices = [OFFLINE, ...localModels.map((m) => `ollama:${m}`)];
  if (!choices.includes(status.profile)) choices.push(status.profile);

  return (
    <div className="grid gap-4">
      <div className="grid gap-1 sm:max-w-md">
        <label htmlFor="embedding-model" className="text-sm font-medium">
          Embedding model
        </label>
        <select
          id="embedding-model"
          value={profile}
          onChange={(e) => setProfile(e.target.value)}
          disabled={busy}
          className="h-10 w-full min-w-0 rounded-md border border-border bg-background px-3 text-sm"
        >
          {choices.map((c) => (
            <option key={c} value={c}>
              {c === OFFLINE ? 'Offline: Universal Sentence Encoder lite (built in)' : `Local: ${c.slice(7)} (Ollama)`}
            </option>
          ))}
        </select>
        {localModels.length === 0 && (
          <p className="text-xs text-muted-foreground">Add an Ollama address under Credentials to use a local model.</p>
        )}
      </div>
      <div className="grid gap-1">
        <div className="flex items-center justify-between text-sm">
          <span id="embedding-progress-label">Items embedded</span>
          <span>
            {status.embedded} of {status.total}
          </span>
        </div>
        <div
          role="progressbar"
          aria-labelledby="embedding-progress-label"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          className="h-2 overflow-hidden rounded-full bg-muted"
        >
          <div className="h-full bg-primary transition-all" style={{ width: `${percent}%` }} />
        </div>
      </div>
      {status.problem && (
        <p role="alert" className="text-sm text-destructive">
          {status.problem}
        </p>
      )}
      {error && (
        <p role="alert" className="text-sm text-destructive">
          {error}
        </p>
      )}
      <div>
        <Button type="button" onClick={start} disabled={busy || status.reembedding}>
          {status.reembedding
            ? 'Embedding…'
            : profile === status.profile
              ? 'Embed everything again'
              : 'Switch model and re-embed'}
        </Button>
      </div>
    </div>
  );
}
