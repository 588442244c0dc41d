import { useId, type ReactNode } from 'react';
import { Button } from 'react-aria-components';

/**
 * A button that follows the person's role: disabled, with the reason beside it (and tied to it for screen
 * readers), rather than failing with 403.
 */
export function GuardedButton(props: { allowed: boolean; reason: string; onPress: () => void; children: ReactNode; className?: string }) {
  const reasonId = useId();
  if (props.allowed) {
    return (
      <Button className={props.className} onPress={props.onPress}>
        {props.children}
      </Button>
    );
  }
  return (
    <span className="guarded">
      <Button className={props.className} isDisabled aria-describedby={reasonId}>
        {props.children}
      </Button>
      <span id={reasonId} className="reason">
        {props.reason}
      </span>
    </span>
  );
}
