// A form of one text field and a button that runs an API call with the
// field's value, showing the daemon's error when it refuses.
import { useState } from 'preact/hooks';
import { ErrorBox } from './bits';

export function OneFieldForm(props: { title?: string; label: string; placeholder: string; button: string; required?: boolean; run: (value: string) => Promise<unknown> }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<Error>();
  return (
    <form
      class="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        setError(undefined);
        props.run(value.trim()).then(() => setValue(''), setError);
      }}
    >
      {props.title && <h2>{props.title}</h2>}
      <input value={value} onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} placeholder={props.placeholder} aria-label={props.label} required={props.required} />
      <button type="submit">{props.button}</button>
      <ErrorBox error={error} />
    </form>
  );
}
