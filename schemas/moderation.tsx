/**
 * Moderating readers' comments: Approve and Reject, the only actions on a comment besides Delete. Each sets the
 * published comment's state (and when it was moderated) in one transaction, dropping any draft an edit left, so the
 * site's next rebuild shows or hides it. An approved comment can still be rejected, and a rejected one approved.
 */
import { useState } from 'react';
import { type DocumentActionComponent, type DocumentActionProps, useClient } from 'sanity';
import type { CommentState } from '../src/lib/model/comment.ts';
import { STRUCTURE_API_VERSION } from './structure.ts';

function moderationAction(state: Exclude<CommentState, 'pending'>, label: string): DocumentActionComponent {
  const action = (props: DocumentActionProps) => {
    const client = useClient({ apiVersion: STRUCTURE_API_VERSION });
    const [busy, setBusy] = useState(false);
    const current = (props.published ?? props.draft)?.['state'];
    return {
      label,
      tone: state === 'approved' ? 'positive' : 'critical',
      disabled: busy || current === state || props.published == null,
      title: props.published == null ? 'Only a comment the endpoint wrote can be moderated' : undefined,
      onHandle: () => {
        setBusy(true);
        const id = props.id.replace(/^drafts\./, '');
        client
          .transaction()
          .patch(id, (p) => p.set({ state, moderatedAt: new Date().toISOString() }))
          .delete(`drafts.${id}`)
          .commit()
          .finally(() => {
            setBusy(false);
            props.onComplete();
          })
          .catch(() => undefined);
      },
    } as const;
  };
  return Object.assign(action, { displayName: `Comment${label}Action` });
}

/** Approves a comment: the site shows it from the next rebuild. */
export const useApproveCommentAction = moderationAction('approved', 'Approve');
/** Rejects a comment: the site never shows it (or stops showing it). */
export const useRejectCommentAction = moderationAction('rejected', 'Reject');

/** A comment's actions: Approve, Reject and Delete (readers' words are not edited, so there is nothing to publish). */
export function commentActions(prev: DocumentActionComponent[]): DocumentActionComponent[] {
  return [useApproveCommentAction, useRejectCommentAction, ...prev.filter((action) => action.action === 'delete')];
}
