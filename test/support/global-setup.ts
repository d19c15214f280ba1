import { startFauxqs } from 'fauxqs';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    fauxqsEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  project.provide('fauxqsEndpoint', server.address);
  return async () => {
    await server.stop();
  };
}
