// The new-task form: the agents come from GET /agents (unavailable ones with their install hint).
import { api, describeError, el, fill, showOutcome } from './page-kit.js';

const form = /** @type {HTMLFormElement} */ (document.getElementById('new-task'));
const agentsBox = document.getElementById('agents');
const outcome = document.getElementById('form-outcome');

async function drawAgents() {
  const { items } = await api('GET', '/agents');
  fill(agentsBox,
    el('legend', {}, 'Agents'),
    ...items.map((agent) =>
      el('div', { class: `agent-choice${agent.available ? '' : ' unavailable'}` },
        el('label', { class: 'inline' },
          el('input', { type: 'checkbox', name: 'agent', value: agent.name, disabled: !agent.available || agent.name === 'command' }),
          ` ${agent.displayName}`, agent.version ? el('span', { class: 'muted' }, ` ${agent.version}`) : undefined),
        agent.available ? undefined : el('p', { class: 'hint' }, `Not installed here: ${agent.installHint}`),
        agent.name === 'command' ? el('p', { class: 'hint' }, 'Any command: submit it through the API or n8n, where its argv is given.') : undefined,
      ),
    ),
  );
}

/** `npm run test:unit` or `["npm", "run", "test:unit"]` → an argv array (never a shell string). */
export function parseCommand(text) {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  if (trimmed.startsWith('[')) {
    const parsed = JSON.parse(trimmed);
    if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) throw new Error('The verify command must be a JSON array of strings');
    return parsed;
  }
  return trimmed.split(/\s+/);
}

form.addEventListener('submit', async (submit) => {
  submit.preventDefault();
  const value = (name) => /** @type {HTMLInputElement} */ (form.elements.namedItem(name)).value.trim();
  /** @type {Array<{agent: string, timeoutSeconds?: number}>} */
  const chosen = [...form.querySelectorAll('input[name="agent"]:checked')].map((box) => ({ agent: /** @type {HTMLInputElement} */ (box).value }));
  if (chosen.length === 0) return showOutcome(outcome, false, el('p', {}, 'Choose at least one agent.'));
  const repository = value('repository');
  const body = {
    description: value('description'),
    repository: {
      ...(/^[a-z][a-z0-9+.-]*:\/\/|^[\w.-]+@[\w.-]+:/i.test(repository) ? { url: repository } : { path: repository }),
      ...(value('credential') ? { credential: value('credential') } : {}),
      baseRef: value('baseRef') || 'HEAD',
    },
    agents: chosen,
  };
  try {
    const command = parseCommand(value('verify'));
    if (command) body.verify = { command };
  } catch (error) {
    return showOutcome(outcome, false, el('p', {}, error.message));
  }
  if (value('budget')) body.budgetUsd = Number(value('budget'));
  if (value('timeout')) for (const agent of body.agents) agent.timeoutSeconds = Math.round(Number(value('timeout')) * 60);
  const button = /** @type {HTMLButtonElement} */ (form.querySelector('button[type="submit"]'));
  button.disabled = true;
  try {
    const task = await api('POST', '/tasks', body);
    location.assign(`/ui/tasks/${task.id}`);
  } catch (error) {
    showOutcome(outcome, false, ...describeError(error));
    button.disabled = false;
  }
});

try {
  await drawAgents();
} catch (error) {
  showOutcome(outcome, false, ...describeError(error));
}
