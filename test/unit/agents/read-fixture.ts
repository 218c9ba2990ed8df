import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentOutputParser, AgentProgress } from '../../../service/src/agents/agent-adapter.ts';

const dir = join(import.meta.dirname, '../../fixtures/agent-output');

export function fixtureLines(name: string): string[] {
  return readFileSync(join(dir, name), 'utf8').split('\n');
}

/** Feeds a recorded output through a parser, as runAgentProcess would. */
export function parseAll(parser: AgentOutputParser, lines: string[]): AgentProgress[] {
  return lines.map((line) => parser.parseLine(line)).filter((progress) => progress !== undefined);
}
