'use client';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  answerSettled,
  followerIncoming,
  IDLE,
  NO_NOTES,
  type FollowerNotes,
  type LeaderState,
  type RingMessageBody,
} from './ring-coordination';
import type { RingRole } from './voice-context';
import { microphoneProblem } from './voice-words';

/** How long a relayed Answer waits for the ringing tab before the button is offered again. */
const ANSWER_WAIT_MS = 10_000;

/**
 * A follower tab's side of ringing: it shows what rings in the leader tab (the banner, then the
 * call with its controls, relayed to the leader by the provider) and relays Answer and Decline there.
 *
 * Why Answer is relayed rather than the call moved here: a ringing call is offered only to the
 * registrations Twilio knew when it rang (the leader's), so no other tab can take it; and moving
 * the registration to whichever tab is in front before a call arrives would unregister and
 * register on every tab switch, with a moment where nothing is registered and a call goes to
 * voicemail. So the leader answers, its tab plays the sound and holds the microphone, and every
 * tab shows the call with Mute, Keypad and Hang up that act on it. The microphone is asked for
 * here first: this is the tab in front, where the browser can show its permission prompt (the
 * permission is the site's, so the leader then has it). The ringtone is the leader's too (one
 * sound per browser); a browser may keep a tab the person never clicked in silent (autoplay
 * rules), which the banner in every tab makes up for.
 */
export function useRingFollower(role: RingRole, post: (body: RingMessageBody) => void) {
  const router = useRouter();
  const [leader, setLeader] = useState<LeaderState>(IDLE);
  /** The leader tab's id (the `from` of its snapshots): presses on its call name it. */
  const [leaderTab, setLeaderTab] = useState<string | null>(null);
  const [notes, setNotes] = useState<FollowerNotes>(NO_NOTES);
  const settling = useRef<{ callSid: string; done: () => void } | null>(null);
  const latest = useRef<LeaderState>(IDLE);
  const following = role === 'follower';

  useEffect(() => {
    if (!following) {
      setLeader(IDLE);
      setLeaderTab(null);
      setNotes(NO_NOTES);
      return;
    }
    post({ type: 'hello' });
    // Someone looks at the app: the leader reads the person's Twilio accounts again (a number connected since).
    const onVisible = () => {
      if (document.visibilityState === 'visible') post({ type: 'visible' });
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [following, post]);

  useEffect(() => {
    latest.current = leader;
    const waiting = settling.current;
    if (waiting && answerSettled(leader, waiting.callSid)) {
      settling.current = null;
      waiting.done();
    }
  }, [leader]);

  // The call answered in the leader ended: it is in the history now.
  const hadCall = useRef(false);
  useEffect(() => {
    if (hadCall.current && !leader.call) router.refresh();
    hadCall.current = leader.call !== null;
  }, [leader.call, router]);

  const incoming = useMemo(() => (following ? followerIncoming(leader, notes) : null), [following, leader, notes]);
  const there = useMemo(
    () => (following && leaderTab ? { tab: leaderTab, state: leader } : null),
    [following, leaderTab, leader],
  );
  const receive = useCallback((state: LeaderState, from: string) => {
    setLeader(state);
    setLeaderTab(from);
  }, []);

  const answer = useCallback(
    async (callSid: string) => {
      const problem = await microphoneProblem();
      if (problem) {
        setNotes((n) => ({ ...n, problem: { callSid, message: problem } }));
        return;
      }
      setNotes((n) => ({ ...n, problem: null }));
      // Answered in another browser or hung up while the person allowed the microphone: nothing to wait for.
      if (latest.current.ringing?.callSid !== callSid) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          settling.current = null;
          resolve();
        }, ANSWER_WAIT_MS);
        settling.current = {
          callSid,
          done: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        post({ type: 'answer', callSid });
      });
    },
    [post],
  );

  const decline = useCallback(
    (callSid: string) => {
      // Gone here at once; the leader rejects its leg (Twilio then takes a voicemail) and says so.
      setNotes((n) => ({ ...n, declined: callSid }));
      post({ type: 'decline', callSid });
    },
    [post],
  );

  return {
    /** The leader's latest snapshot, and who sent it. */
    receive,
    registration: leader.registration,
    incoming,
    /** The leader and its snapshot (for its call: callElsewhere). */
    leader: there,
    answer,
    decline,
  };
}
