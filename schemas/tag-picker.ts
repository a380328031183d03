import { createElement, useCallback, useRef, type FormEvent, type KeyboardEvent, type ReactElement } from 'react';
import {
  PatchEvent,
  ReferenceInputOptionsProvider,
  set,
  unset,
  useFormCallbacks,
  useFormValue,
  useReferenceInputOptions,
  type EditReferenceOptions,
  type ObjectInputProps,
  type Reference,
  type StringInputProps,
} from 'sanity';
import { slugify } from './validation.ts';

// Creating a tag from a story's tag picker. Sanity's reference input opens the new tag with its initial value
// template but does not pass on what was typed in the search box; `TagReferenceInput` adds it as the template's
// `name` parameter, and the tag's `initialValue` (`tagInitialValue`) turns it into the name and the slug.

/** A new tag's initial value: given a `name` (typed in a story's tag picker), that name and its slug. */
export function tagInitialValue(params: unknown): Record<string, unknown> {
  const typed = typeof params === 'object' && params !== null ? (params as { name?: unknown }).name : undefined;
  const name = typeof typed === 'string' ? typed.trim() : '';
  if (name === '') return {};
  const slug = slugify(name);
  return { name, ...(slug ? { slug: { _type: 'slug', current: slug } } : {}) };
}

/**
 * The input of one tag reference in a story: Sanity's own, which remembers the text typed into its search box and
 * hands it to "Create" as the new tag's name; Escape on a row that has no tag yet removes the row, so a dismissed
 * search leaves no empty, invalid reference behind.
 */
export function TagReferenceInput(props: ObjectInputProps<Reference>): ReactElement {
  const options = useReferenceInputOptions();
  const typed = useRef('');
  const { onEditReference } = options;
  const { onChange, value } = props;

  const withTypedName = useCallback(
    (edit: EditReferenceOptions) => {
      const name = typed.current.trim();
      const params = edit.template.params ?? {};
      onEditReference?.(
        edit.type === 'tag' && name !== '' && params['name'] === undefined
          ? { ...edit, template: { ...edit.template, params: { ...params, name } } }
          : edit,
      );
    },
    [onEditReference],
  );
  const onInput = useCallback((event: FormEvent) => {
    if (event.target instanceof HTMLInputElement) typed.current = event.target.value;
  }, []);
  const hasTag = typeof value?._ref === 'string' && value._ref !== '';
  const onKeyDown = useCallback(
    (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !hasTag) onChange(unset());
    },
    [hasTag, onChange],
  );

  return createElement(
    'div',
    { onInput, onKeyDown },
    createElement(ReferenceInputOptionsProvider, {
      ...options,
      onEditReference: withTypedName,
      children: props.renderDefault(props),
    }),
  );
}

/**
 * A tag's name input: while the slug is empty or still the one the previous name gave, typing the name fills the
 * slug in (as the Generate button would); a slug the editor changed by hand is left alone.
 */
export function TagNameInput(props: StringInputProps): ReactElement {
  const { onChange: onFormChange } = useFormCallbacks();
  const slug: unknown = useFormValue(['slug']);
  const { elementProps, value } = props;
  const { onChange: onNativeChange } = elementProps;

  const onChange = useCallback(
    (event: FormEvent<HTMLInputElement>) => {
      onNativeChange(event);
      const current =
        typeof slug === 'object' && slug !== null && typeof (slug as { current?: unknown }).current === 'string'
          ? (slug as { current: string }).current
          : '';
      if (current !== '' && current !== slugify(value ?? '')) return;
      const next = slugify(event.currentTarget.value);
      if (next === current) return;
      onFormChange(PatchEvent.from(next === '' ? unset(['slug']) : set({ _type: 'slug', current: next }, ['slug'])));
    },
    [onFormChange, onNativeChange, slug, value],
  );

  return props.renderDefault({ ...props, elementProps: { ...elementProps, onChange } });
}
