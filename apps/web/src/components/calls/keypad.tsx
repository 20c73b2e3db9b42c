'use client';
import { Button } from '@/components/ui/button';
import { cn } from '@/lib/utils';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;
const KEY_LETTERS: Record<string, string> = {
  '2': 'ABC',
  '3': 'DEF',
  '4': 'GHI',
  '5': 'JKL',
  '6': 'MNO',
  '7': 'PQRS',
  '8': 'TUV',
  '9': 'WXYZ',
};

/** The twelve keys: they type a number before a call and send tones (DTMF) during one. */
export function Keypad({
  label,
  onPress,
  compact = false,
}: {
  label: string;
  onPress: (key: string) => void;
  compact?: boolean;
}) {
  return (
    <div className="grid grid-cols-3 gap-2" role="group" aria-label={label}>
      {KEYS.map((key) => (
        <Button
          key={key}
          variant="outline"
          className={cn('flex-col gap-0 text-lg', compact ? 'h-11' : 'h-14')}
          onClick={() => onPress(key)}
          aria-label={key === '*' ? 'star' : key === '#' ? 'pound' : key}
        >
          <span aria-hidden="true">{key}</span>
          {!compact && (
            <span aria-hidden="true" className="text-[0.65rem] leading-none text-muted-foreground">
              {KEY_LETTERS[key] ?? '\u00a0'}
            </span>
          )}
        </Button>
      ))}
    </div>
  );
}
