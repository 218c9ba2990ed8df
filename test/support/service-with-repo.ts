/**
 * The pair most integration files start with: a test repository and a service, made before the
 * block's first test and removed after its last. The fields are filled in `beforeAll`, so read
 * them inside tests, not at the block's top.
 */
import { afterAll, beforeAll } from 'vitest';
import { createTestRepo, type FileChanges, type TestRepo } from './git-repo.ts';
import { startTestService, type TestService, type TestServiceOptions } from './service-harness.ts';

export interface ServiceWithRepo {
  service: TestService;
  repo: TestRepo;
}

export function serviceWithRepo(options: TestServiceOptions, repoFiles?: FileChanges): ServiceWithRepo {
  const fixture = {} as ServiceWithRepo;
  beforeAll(async () => {
    fixture.repo = await createTestRepo(repoFiles);
    fixture.service = await startTestService(options);
  });
  afterAll(async () => {
    await fixture.service?.stop();
    await fixture.repo?.cleanup();
  });
  return fixture;
}
