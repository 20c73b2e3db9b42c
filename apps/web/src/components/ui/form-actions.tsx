import { LoaderCircle } from 'lucide-react';
import { Button } from '@/components/ui/button';

/** The submit (with a spinner while pending) and optional Cancel buttons every form ends with. */
export function FormActions({
  pending,
  submitLabel,
  onCancel,
  className = 'flex gap-2',
}: {
  pending: boolean;
  submitLabel: string;
  onCancel?: () => void;
  className?: string;
}) {
  return (
    <div className={className}>
      <Button type="submit" disabled={pending}>
        {pending && <LoaderCircle className="animate-spin" aria-hidden="true" />}
        {submitLabel}
      </Button>
      {onCancel && (
        <Button variant="outline" onClick={onCancel} disabled={pending}>
          Cancel
        </Button>
      )}
    </div>
  );
}
