// The task page's actions: merge an attempt, open a pull request, discard, cancel. Each shows
// its outcome in plain words, and a refusal (a 409 with its conflicts, say) as the service gave it.
import { api, describeError, el, showOutcome } from './page-kit.js';

const finished = new Set(['completed', 'failed', 'cancelled']);

/**
 * Draws the actions that fit the task's state into `container`; `changed` reloads the page's data.
 * `merged`: the task's merges that moved a target (GET /tasks/{id}/merges, status merged).
 */
export function drawActions(container, outcome, task, changed, merged = []) {
  const taskPath = `/tasks/${task.id}`;
  const run = async (button, work) => {
    button.disabled = true;
    try {
      showOutcome(outcome, true, ...(await work()));
      await changed();
    } catch (error) {
      showOutcome(outcome, false, ...describeError(error));
    } finally {
      button.disabled = false;
    }
  };

  if (!finished.has(task.status)) {
    const cancel = el('button', { type: 'button', class: 'danger', id: 'cancel-task' }, 'Cancel task');
    cancel.addEventListener('click', () =>
      run(cancel, async () => {
        await api('DELETE', taskPath);
        return [el('p', {}, 'Cancelling: every agent process of this task is being stopped.')];
      }),
    );
    container.replaceChildren(cancel);
    return;
  }

  const discard = discardButton(task, run);
  // Merged: what happened instead of a form that would offer it again (follow-ups are refused too).
  if (merged.length > 0) {
    const pullLink = task.pullRequest ? [pullRequestLink(task.pullRequest)] : [];
    container.replaceChildren(
      el('div', { class: 'merged', id: 'merged' }, merged.map((merge) =>
        el('p', {}, el('strong', {}, 'Merged: '), `${merge.agent} into ${merge.targetBranch} (${merge.strategy}) at `, el('code', {}, merge.commit ? merge.commit.slice(0, 8) : '?'),
          ` on ${new Date(merge.createdAt).toLocaleString()}.`))),
      el('div', { class: 'buttons' }, ...pullLink, discard));
    return;
  }

  const attempt = el('select', { id: 'merge-attempt', name: 'agent' },
    task.agents.map((agent) => el('option', { value: agent.label, selected: agent.label === task.winner }, `${agent.label}${agent.label === task.winner ? ' (winner)' : ''} · ${agent.status}${verifyNote(task, agent)}`)));
  const strategy = el('select', { id: 'merge-strategy', name: 'strategy' },
    el('option', { value: 'auto' }, 'auto: merge when clean, else refuse'),
    el('option', { value: 'theirs' }, 'theirs: settle conflicts for the attempt'),
    el('option', { value: 'manual' }, 'manual: put the merge on a review branch'));
  const target = el('input', { id: 'merge-target', name: 'targetBranch', placeholder: 'the branch the task started from' });
  const squash = el('input', { id: 'merge-squash', type: 'checkbox', name: 'squash' });
  // The service refuses an attempt that did not pass verify (409 not_verified) unless this is ticked.
  const allowUnverified = el('input', { id: 'allow-unverified', type: 'checkbox', name: 'allowUnverified' });
  const mergeButton = el('button', { type: 'submit', id: 'merge' }, 'Merge');
  const form = el('form', { class: 'merge-form', 'aria-label': 'Merge an attempt' },
    labelled('Attempt', attempt), labelled('Strategy', strategy), labelled('Target branch', target),
    el('label', { class: 'inline' }, squash, ' Squash'),
    task.verify ? el('label', { class: 'inline' }, allowUnverified, ' Allow unverified') : undefined, mergeButton);
  form.addEventListener('submit', (submit) => {
    submit.preventDefault();
    void run(mergeButton, async () => {
      const body = { agent: attempt.value, strategy: strategy.value, squash: squash.checked, allowUnverified: allowUnverified.checked };
      if (target.value.trim()) body.targetBranch = target.value.trim();
      const merge = await api('POST', `${taskPath}/merge`, body);
      return describeMerge(merge);
    });
  });

  const extra = [];
  if (task.pullRequest) {
    extra.push(pullRequestLink(task.pullRequest));
  } else if (task.repository.url) {
    const open = el('button', { type: 'button', class: 'secondary', id: 'open-pull-request' }, 'Open pull request');
    open.addEventListener('click', () =>
      run(open, async () => {
        const pull = await api('POST', `${taskPath}/pull-request`, { agent: attempt.value, allowUnverified: allowUnverified.checked });
        return [el('p', {}, `Pull request #${pull.number} is open: `, el('a', { href: pull.url, rel: 'noreferrer' }, pull.url))];
      }),
    );
    extra.push(open);
  }
  container.replaceChildren(form, el('div', { class: 'buttons' }, ...extra, discard));
}

function discardButton(task, run) {
  const discard = el('button', { type: 'button', class: 'danger', id: 'discard' }, 'Discard');
  discard.addEventListener('click', () => {
    if (!confirm("Remove this task's worktrees and branches? Merged commits stay.")) return;
    void run(discard, async () => {
      const result = await api('POST', `/tasks/${task.id}/discard`);
      return [el('p', {}, `Discarded: removed ${result.removedWorktrees.length} worktrees and ${result.deletedBranches.length} branches.`)];
    });
  });
  return discard;
}

function pullRequestLink(pullRequest) {
  return el('a', { class: 'button secondary', href: pullRequest.url, rel: 'noreferrer' }, `Pull request #${pullRequest.number}`);
}

function verifyNote(task, agent) {
  if (!task.verify) return '';
  return agent.verify?.passed ? ' · verified' : ' · untested';
}

function labelled(text, control) {
  return el('label', {}, text, control);
}

function describeMerge(merge) {
  const short = (sha) => (sha ? sha.slice(0, 8) : '?');
  if (merge.status === 'manual') return [el('p', {}, `The merge of ${merge.agent} is on the review branch `, el('code', {}, merge.reviewBranch), `; ${merge.targetBranch} is untouched.`)];
  if (merge.alreadyUpToDate) return [el('p', {}, `${merge.targetBranch} already holds ${merge.agent}'s work.`)];
  return [el('p', {}, `Merged ${merge.agent} into ${merge.targetBranch}: it moved from ${short(merge.previousTargetCommit)} to ${short(merge.commit)}.`)];
}
