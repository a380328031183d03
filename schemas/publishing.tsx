/**
 * How stories are published in the Studio: true publish times, updates, Unpublish where editors look for it, and
 * scheduled stories marked as such.
 *
 * - Publish (wrapping the built-in one): a first publish with an empty "Published at" sets it to that moment (a time
 *   an editor typed is kept: a future one schedules the story); republishing a live story asks whether this is an
 *   update for readers, and if so sets "Updated at" and the update note before publishing.
 * - Unpublish in the drafts view too (the built-in action hides itself there).
 * - A "Scheduled: goes live …" badge while the publish time is ahead, and the same line under the field, in the
 *   newsroom's time zone, as the site prints it.
 */
import { Box, Button, Flex, Stack, Text, TextInput } from '@sanity/ui';
import { useState, type ReactNode } from 'react';
import {
  type DocumentActionComponent,
  type DocumentActionDescription,
  type DocumentBadgeComponent,
  type StringInputProps,
  useDocumentOperation,
  useDocumentPairPermissions,
} from 'sanity';
import { LIMITS } from '../src/lib/model/rules.ts';
import { isScheduled, NEWSROOM_TIME_ZONE, newsroomTime } from './newsroom-time.ts';

/** "Scheduled: goes live Nov 28, 2026, 9:30 AM GMT+1". */
export function scheduledLabel(publishedAt: string): string {
  return `Scheduled: goes live ${newsroomTime(publishedAt)}`;
}

/** The publish time input, with a line under it saying when the story goes live (or that Publish sets the time). */
export function PublishedAtInput(props: StringInputProps): ReactNode {
  const { value } = props;
  const note = isScheduled(value)
    ? `${scheduledLabel(value)} (the newsroom's time zone is ${NEWSROOM_TIME_ZONE}).`
    : typeof value === 'string' && value !== ''
      ? `On the site as ${newsroomTime(value)}.`
      : 'Empty: Publish sets it to the moment you publish.';
  return (
    <Stack space={2}>
      {props.renderDefault(props)}
      <Text size={1} muted data-testid="published-at-note">
        {note}
      </Text>
    </Stack>
  );
}

/** Wraps the built-in Publish of stories: stamps the first publish time, and asks whether a republish is an update. */
export function withStoryPublish(original: DocumentActionComponent): DocumentActionComponent {
  const useStoryPublishAction: DocumentActionComponent = (props) => {
    // The built-in is a hook: called on every render, before anything returns.
    const base = original(props);
    const { patch } = useDocumentOperation(props.id, props.type);
    const [asking, setAsking] = useState(false);
    const [note, setNote] = useState('');
    if (!base || base.disabled || !base.onHandle) return base;
    const publish = base.onHandle;
    const published = props.published;
    // Live on the site: published, and its publish time has come. A scheduled story's changes are no update.
    const live = published != null && !isScheduled(published['publishedAt']);
    const draftTime = props.draft?.['publishedAt'];
    const firstPublish = (): void => {
      // Publish commits this patch before it publishes (it waits until the draft is consistent).
      if (typeof draftTime !== 'string' || draftTime === '')
        patch.execute([{ set: { publishedAt: new Date().toISOString() } }]);
      publish();
    };
    const close = (): void => setAsking(false);
    const publishAsUpdate = (): void => {
      const text = note.trim();
      patch.execute([
        { set: { updatedAt: new Date().toISOString(), ...(text ? { updateNote: text } : {}) } },
        ...(text ? [] : [{ unset: ['updateNote'] }]),
      ]);
      setAsking(false);
      publish();
    };
    const publishQuietly = (): void => {
      setAsking(false);
      publish();
    };
    const action: DocumentActionDescription = {
      ...base,
      onHandle: () => {
        if (!live) {
          firstPublish();
          return;
        }
        const current = props.draft?.['updateNote'] ?? published['updateNote'];
        setNote(typeof current === 'string' ? current : '');
        setAsking(true);
      },
    };
    if (!asking) return action;
    return {
      ...action,
      dialog: {
        type: 'dialog',
        header: 'Is this an update for readers?',
        onClose: close,
        content: (
          <Stack space={4}>
            <Text size={1}>
              The story is live. An update shows &ldquo;Updated&rdquo; with the time on the page and in the feed, and
              the note below tells readers what changed. A fix of a typo or a link needs no update.
            </Text>
            <Stack space={2}>
              <Text as="label" htmlFor="story-update-note" size={1} weight="medium">
                Update note (optional)
              </Text>
              <TextInput
                id="story-update-note"
                value={note}
                maxLength={LIMITS.updateNote.max}
                placeholder="For example: Adds the minister's response."
                onChange={(event) => setNote(event.currentTarget.value)}
              />
            </Stack>
          </Stack>
        ),
        footer: (
          <Flex gap={2} justify="flex-end" wrap="wrap">
            <Button mode="bleed" text="Cancel" onClick={close} />
            <Button mode="ghost" text="Publish without update" onClick={publishQuietly} />
            <Button tone="primary" text="Publish as update" onClick={publishAsUpdate} />
          </Flex>
        ),
      },
    };
  };
  useStoryPublishAction.action = 'publish';
  useStoryPublishAction.displayName = 'StoryPublishAction';
  return useStoryPublishAction;
}

/** Unpublish, offered in the drafts view too: takes the story off the site and keeps its text as a draft. */
export const useStoryUnpublishAction: DocumentActionComponent = ({
  id,
  type,
  draft,
  published,
  liveEditSchemaType,
  release,
  onComplete,
}) => {
  const { unpublish } = useDocumentOperation(id, type);
  const [permissions, loading] = useDocumentPairPermissions({ id, type, permission: 'unpublish' });
  const [confirming, setConfirming] = useState(false);
  if (release || liveEditSchemaType || !published) return null;
  const title = (draft ?? published)['title'];
  const allowed = loading || permissions?.granted === true;
  return {
    label: 'Unpublish',
    tone: 'critical',
    disabled: Boolean(unpublish.disabled) || !allowed || loading,
    title: allowed ? 'Take the story off the site; its text stays here as a draft' : 'You may not unpublish stories',
    onHandle: () => setConfirming(true),
    dialog: confirming
      ? {
          type: 'confirm',
          tone: 'critical',
          message: (
            <Box>
              <Text>
                Unpublish &ldquo;{typeof title === 'string' ? title : 'this story'}&rdquo;? It leaves the site at the
                next rebuild (a second or so); its text stays here as a draft.
              </Text>
            </Box>
          ),
          confirmButtonText: 'Unpublish now',
          onCancel: () => setConfirming(false),
          onConfirm: () => {
            unpublish.execute();
            setConfirming(false);
            onComplete();
          },
        }
      : null,
  };
};
useStoryUnpublishAction.action = 'unpublish';
useStoryUnpublishAction.displayName = 'StoryUnpublishAction';

/** "Scheduled: goes live …" while the story's publish time (its draft's, else its published one's) is ahead. */
export const useScheduledBadge: DocumentBadgeComponent = ({ draft, published }) => {
  const at = (draft ?? published)?.['publishedAt'];
  if (!isScheduled(at)) return null;
  return {
    label: scheduledLabel(at),
    title: `Appears on the site at ${newsroomTime(at)} (the newsroom's time zone is ${NEWSROOM_TIME_ZONE})`,
    color: 'primary',
  };
};
