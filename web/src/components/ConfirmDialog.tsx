import { useState, type ReactNode } from 'react';
import { Button, Dialog, Heading, Input, Label, Modal, TextField } from 'react-aria-components';

/**
 * A confirmation that cannot be a slip: the person types `expected` (a service's name, "delete") before the
 * action can run. Keyboard first: focus lands in the field, Enter confirms, Escape cancels.
 */
export function ConfirmDialog(props: {
  isOpen: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  children: ReactNode;
  expected: string;
  action: string;
  onConfirm: (typed: string, comment: string) => Promise<void> | void;
  withComment?: boolean;
}) {
  const [typed, setTyped] = useState('');
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const matches = typed === props.expected;

  async function confirm() {
    if (!matches) return;
    setBusy(true);
    setProblem(undefined);
    try {
      await props.onConfirm(typed, comment);
      setTyped('');
      setComment('');
      props.onOpenChange(false);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal isOpen={props.isOpen} onOpenChange={props.onOpenChange} isDismissable className="modal">
      <Dialog className="dialog">
        <Heading slot="title">{props.title}</Heading>
        {props.children}
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void confirm();
          }}
        >
          <TextField value={typed} onChange={setTyped} autoFocus>
            <Label>
              Type <strong>{props.expected}</strong> to {props.action}
            </Label>
            <Input />
          </TextField>
          {props.withComment && (
            <TextField value={comment} onChange={setComment}>
              <Label>Comment (for the audit log)</Label>
              <Input />
            </TextField>
          )}
          {problem && (
            <p role="alert" className="problem">
              {problem}
            </p>
          )}
          <div className="actions">
            <Button onPress={() => props.onOpenChange(false)}>Cancel</Button>
            <Button type="submit" className="primary danger" isDisabled={!matches || busy}>
              {busy ? 'Working…' : props.action}
            </Button>
          </div>
        </form>
      </Dialog>
    </Modal>
  );
}
