/**
 * The n8n package restates what it needs of the service (it may not import service code at run
 * time). These checks keep the restated lists equal to the service's own definitions.
 */
import { describe, expect, it } from 'vitest';
import { agentFinishedEventTypes, eventTypeOptions, taskFinishedEventTypes } from '../../../nodes/shared/event-types.ts';
import { parameterName } from '../../../nodes/shared/parameter-names.ts';
import { attemptFieldsRead, finishedAgentStatuses, finishedTaskStatuses, taskFieldsRead, taskStatuses } from '../../../nodes/shared/task-types.ts';
import { agentInfoFields } from '../../../nodes/KageBunshinSubmitTask/operations/agent-options.ts';
import { agentNames } from '../../../service/src/model/agent-names.ts';
import { AgentInfo } from '../../../service/src/api/schemas/agent-schemas.ts';
import { MergeBody } from '../../../service/src/api/schemas/merge-schemas.ts';
import { PullRequestBody } from '../../../service/src/api/schemas/pull-request-schemas.ts';
import { AgentSpec, SubmitTaskBody } from '../../../service/src/api/schemas/task-schemas.ts';
import { Attempt, Task } from '../../../service/src/api/schemas/task-view-schemas.ts';
import { attemptStatuses as attemptStatuses, taskStatuses as serviceTaskStatuses } from '../../../service/src/model/statuses.ts';
import { eventTypes, terminalEventTypes } from '../../../service/src/events/event-types.ts';
import { taskStrategies } from '../../../service/src/model/task.ts';
import { taskFields } from '../../../nodes/KageBunshinSubmitTask/descriptions/task-description.ts';

const keys = (schema: { shape: object }) => Object.keys(schema.shape);

describe('what the nodes restate from the service', () => {
  it('event types: every one, and the ones that end a task or an attempt', () => {
    expect(eventTypeOptions.map((option) => option.value).sort()).toEqual([...eventTypes].sort());
    expect([...taskFinishedEventTypes].sort()).toEqual([...terminalEventTypes].sort());
    for (const type of agentFinishedEventTypes) expect(eventTypes).toContain(type);
  });

  it("Submit Task's strategies are the service's", () => {
    const strategy = taskFields.find((property) => property.name === 'strategy');
    expect(strategy?.options?.map((option) => (option as { value: string }).value).sort()).toEqual([...taskStrategies].sort());
    expect(keys(SubmitTaskBody)).toContain('tiers');
    expect(parameterName('tiers.1.0.model')).toBe('Tier 2, agent 1: Model');
  });

  it('task and attempt statuses', () => {
    expect([...taskStatuses].sort()).toEqual([...serviceTaskStatuses].sort());
    expect([...finishedTaskStatuses].sort()).toEqual(['cancelled', 'completed', 'failed']);
    expect([...finishedAgentStatuses].sort()).toEqual(attemptStatuses.filter((status) => !['pending', 'running'].includes(status)).sort());
  });

  it("field names the nodes read from tasks, attempts and agents", () => {
    for (const field of taskFieldsRead) expect(keys(Task)).toContain(field);
    for (const field of attemptFieldsRead) expect(keys(Attempt)).toContain(field);
    for (const field of agentInfoFields) expect(keys(AgentInfo)).toContain(field);
    expect(AgentInfo.shape.name.options).toEqual([...agentNames]);
  });

  it('API fields the error messages translate exist in the request bodies, and every field the nodes send has a parameter name', () => {
    const submitFields = keys(SubmitTaskBody);
    for (const field of ['description', 'repository', 'agents', 'strategy', 'tiers', 'verify', 'budgetUsd', 'callbacks']) {
      expect(submitFields).toContain(field);
      expect(parameterName(field === 'verify' ? 'verify.command' : field === 'callbacks' ? 'callbacks.0.url' : field)).toBeDefined();
    }
    const repositoryFields = keys(SubmitTaskBody.shape.repository);
    for (const field of repositoryFields) expect(parameterName(`repository.${field}`)).toBeDefined();
    const agentFields = keys(AgentSpec);
    for (const field of agentFields.filter((field) => field !== 'label')) expect(parameterName(`agents.0.${field}`), field).toMatch(/^Agent 1: /);
    for (const field of ['agent', 'targetBranch', 'message', 'allowUnverified']) {
      expect(keys(MergeBody)).toContain(field);
      expect(parameterName(field)).toBeDefined();
    }
    for (const field of ['agent', 'targetBranch', 'title', 'draft', 'allowUnverified']) {
      expect(keys(PullRequestBody)).toContain(field);
      expect(parameterName(field)).toBeDefined();
    }
  });
});
