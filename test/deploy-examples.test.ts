/**
 * The deployment examples (examples/kubernetes, examples/ecs) parse, and agree with each other
 * and with the worker they run: KEDA's queueLength is the pod's MAX_IN_FLIGHT, the grace period
 * outlasts shutdownTimeout, the probe hits the health port, the ECS policy's target is the
 * formula's result. (`yaml` comes with typedoc, a devDependency.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { resolveEmf } from '../src/runner/emf.js';
import { resolveStuckAfterSecs } from '../src/runner/health-server.js';
import { isValidQueueUrl } from '../src/shared/config.js';

const examples = join(import.meta.dirname, '..', 'examples');
const read = (path: string) => readFileSync(join(examples, path), 'utf8');

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is checked field by field below
type Doc = any;

function yamlDocs(path: string): Doc[] {
  const docs = parseAllDocuments(read(path));
  if (!Array.isArray(docs)) throw new Error(`${path}: no documents`);
  for (const doc of docs) expect(doc.errors, path).toEqual([]);
  return docs.map((d) => d.toJS());
}

function byKind(docs: Doc[], kind: string): Doc {
  const found = docs.filter((d) => d.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0];
}

/** The worker's settings, from examples/ecs/main.ts (the image both examples run). */
const main = read('ecs/main.ts');
const shutdownTimeout = Number(main.match(/shutdownTimeout: (\d+)/)?.[1]);
const batchSize = Number(main.match(/batchSize: (\d+)/)?.[1]);
const workerThreads = Number(main.match(/workerThreads: (\d+)/)?.[1]);

describe('examples/kubernetes', () => {
  const keda = yamlDocs('kubernetes/keda-scaledobject.yaml');
  const k8s = yamlDocs('kubernetes/deployment.yaml');
  const auth = byKind(keda, 'TriggerAuthentication');
  const scaled = byKind(keda, 'ScaledObject');
  const deployment = byKind(k8s, 'Deployment');
  const account = byKind(k8s, 'ServiceAccount');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const env = Object.fromEntries(
    container.env.map((e: { name: string; value: string }) => [e.name, e.value]),
  );

  it('the ScaledObject targets the Deployment with an aws-sqs-queue trigger and pod identity', () => {
    expect(keda.map((d) => d.apiVersion)).toEqual(['keda.sh/v1alpha1', 'keda.sh/v1alpha1']);
    expect(scaled.spec.scaleTargetRef.name).toBe(deployment.metadata.name);
    expect(scaled.metadata.namespace).toBe(deployment.metadata.namespace);
    expect(auth.spec.podIdentity).toEqual({ provider: 'aws', identityOwner: 'workload' });
    const [trigger, ...others] = scaled.spec.triggers;
    expect(others).toEqual([]);
    expect(trigger.type).toBe('aws-sqs-queue');
    expect(trigger.authenticationRef.name).toBe(auth.metadata.name);
    // KEDA wants every metadata value as a string ("50", "true"), never a YAML number/boolean.
    for (const [key, value] of Object.entries(trigger.metadata)) {
      expect(typeof value, key).toBe('string');
    }
    const { queueURL, awsRegion, queueLength, scaleOnInFlight } = trigger.metadata;
    expect(isValidQueueUrl(queueURL)).toBe(true);
    expect(queueURL).toBe(env.QUEUE_URL);
    expect(queueURL).toContain(`sqs.${awsRegion}.amazonaws.com`);
    expect(scaleOnInFlight).toBe('true');
    expect(scaled.spec.minReplicaCount).toBeLessThanOrEqual(scaled.spec.maxReplicaCount);
    // One pod owns what it leases: queueLength = MAX_IN_FLIGHT = concurrency + one receive.
    expect(queueLength).toBe(env.MAX_IN_FLIGHT);
    expect(Number(env.MAX_IN_FLIGHT)).toBe(workerThreads * batchSize + batchSize);
  });

  it('the Deployment drains within its grace period and probes the health endpoint', () => {
    expect(deployment.apiVersion).toBe('apps/v1');
    expect(deployment.spec.replicas).toBeUndefined();
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    expect(pod.serviceAccountName).toBe(account.metadata.name);
    expect(account.metadata.annotations['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::/);
    expect(shutdownTimeout).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(shutdownTimeout);
    const probe = container.livenessProbe;
    expect(probe.httpGet.path).toBe('/health');
    const port = container.ports.find((p: { name: string }) => p.name === probe.httpGet.port);
    expect(port.containerPort).toBe(Number(env.HEALTH_PORT));
    // The 503 of a draining pod must not restart it before it exits by itself.
    expect(probe.periodSeconds * probe.failureThreshold).toBeGreaterThan(
      pod.terminationGracePeriodSeconds,
    );
    // A value the runner accepts for the worker's polls (defaults: 20 s polls, 2 s idle sleep).
    const stuck = resolveStuckAfterSecs({}, env, [{ waitTime: 20, idleSleepMax: 2 }]);
    expect(stuck).toBe(Number(env.HEALTH_STUCK_AFTER_SECS));
  });
});

describe('examples/ecs', () => {
  it('the autoscaling policy divides visible messages by running tasks, at the formula target', () => {
    const policy = JSON.parse(read('ecs/autoscaling-policy.json'));
    const metrics: Doc[] = policy.CustomizedMetricSpecification.Metrics;
    const byId = Object.fromEntries(metrics.map((m) => [m.Id, m]));
    const result = metrics.filter((m) => m.ReturnData);
    expect(result).toHaveLength(1);
    expect(result[0].Expression).toBe('visible / tasks');
    expect(byId.visible.MetricStat.Metric).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
    });
    expect(byId.tasks.MetricStat.Metric).toMatchObject({
      Namespace: 'ECS/ContainerInsights',
      MetricName: 'RunningTaskCount',
    });
    // Metric math ids: a lowercase letter first, then letters, digits and underscores.
    for (const m of metrics) expect(m.Id).toMatch(/^[a-z][A-Za-z0-9_]*$/);
    // acceptable latency ÷ average processing time × concurrency, as the README works it out.
    const readme = read('ecs/README.md');
    const [, latency, time, workers, batch, target] =
      readme.match(/(\d+) \/ (\d+) × \((\d+) × (\d+)\) = \*\*(\d+)/) ?? [];
    expect([Number(workers), Number(batch)]).toEqual([workerThreads, batchSize]);
    expect((Number(latency) / Number(time)) * workerThreads * batchSize).toBe(Number(target));
    expect(policy.TargetValue).toBe(Number(target));
  });

  it('the task definition stops the container after shutdownTimeout', () => {
    const task = JSON.parse(read('ecs/task-definition.json'));
    expect(task.containerDefinitions[0].stopTimeout).toBeGreaterThan(shutdownTimeout);
  });

  it('runs an init process, creates its log group, and says how to build for its platform', () => {
    const task = JSON.parse(read('ecs/task-definition.json'));
    const [container] = task.containerDefinitions;
    expect(container.linuxParameters.initProcessEnabled).toBe(true);
    // awslogs options are strings, "true" included.
    expect(container.logConfiguration.options['awslogs-create-group']).toBe('true');
    expect(task.runtimePlatform.cpuArchitecture).toBe('ARM64');
    const build = 'docker build --platform linux/arm64';
    expect(read('ecs/README.md')).toContain(build);
    expect(read('ecs/Dockerfile')).toContain(build);
    expect(read('ecs/README.md')).toMatch(/Container Insights must be on/);
    const env = Object.fromEntries(
      container.environment.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    // Values the runner accepts, not just any string.
    expect(resolveEmf(undefined, undefined, env)).toMatchObject({ intervalMs: 60_000 });
    // One Dockerfile: the image the task definition runs is built from it.
    expect(readdirSync(join(examples, 'ecs')).filter((f) => /dockerfile/i.test(f))).toEqual([
      'Dockerfile',
    ]);
  });

  it('the .dockerignore keeps dependencies, git and secrets out of the build context', () => {
    const ignored = read('ecs/.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    for (const entry of ['node_modules', '.git', '.env', '.env.*', 'dist']) {
      expect(ignored).toContain(entry);
    }
    // What the Dockerfile copies is not ignored.
    for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', 'src']) {
      expect(ignored).not.toContain(needed);
    }
  });
});

/**
 * The SDK commands a worker sends (core, listeners, runner, payload reads; not the redrive
 * tools, the CLI or sendMessage(), which run with other roles), and the IAM action each needs.
 * A command missing here fails the test: add its action here and to iam-policy.json.
 */
const IAM_ACTION: Record<string, string | null> = {
  ReceiveMessage: 'sqs:ReceiveMessage',
  DeleteMessageBatch: 'sqs:DeleteMessage',
  ChangeMessageVisibilityBatch: 'sqs:ChangeMessageVisibility',
  GetQueueAttributes: 'sqs:GetQueueAttributes',
  GetQueueUrl: 'sqs:GetQueueUrl',
  SendMessage: 'sqs:SendMessage',
  GetObject: 's3:GetObject',
  DeleteObject: 's3:DeleteObject',
  // Only sendMessage() (the producer) uploads a large payload.
  PutObject: null,
};

const WORKER_DIRS = ['core', 'listeners', 'runner', 'payloads', 'shared', 'adapters'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('examples/ecs/iam-policy.json', () => {
  const policy = JSON.parse(read('ecs/iam-policy.json'));
  const statements: Array<{ Sid: string; Effect: string; Action: string[]; Resource: string }> =
    policy.Statement;
  const allowed = new Set(statements.flatMap((s) => s.Action));
  const src = join(import.meta.dirname, '..', 'src');

  it('is a valid policy of named, narrow statements', () => {
    expect(policy.Version).toBe('2012-10-17');
    for (const s of statements) {
      expect(s.Sid).toMatch(/^[A-Za-z0-9]+$/);
      expect(s.Effect).toBe('Allow');
      expect(Array.isArray(s.Action)).toBe(true);
      for (const action of s.Action) expect(action).not.toContain('*');
      expect(s.Resource).toMatch(/^arn:aws:(sqs|kms|ecs|s3):/);
    }
  });

  it('allows every SQS and S3 call the worker makes', () => {
    const commands = new Set<string>();
    for (const dir of WORKER_DIRS) {
      for (const file of sourceFiles(join(src, dir))) {
        for (const m of readFileSync(file, 'utf8').matchAll(/new (\w+)Command\(/g)) {
          commands.add(m[1] as string);
        }
      }
    }
    expect(commands.has('ReceiveMessage')).toBe(true);
    for (const command of commands) {
      expect(Object.keys(IAM_ACTION), `${command}: add its IAM action`).toContain(command);
      const action = IAM_ACTION[command];
      if (action) expect(allowed, `${command} needs ${action}`).toContain(action);
    }
  });

  it('covers the dead-letter copy, SSE-KMS queues and task scale-in protection', () => {
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    // The copy of a non-retryable message goes to the DLQ, a different queue: its own statement.
    expect(readFileSync(join(src, 'listeners/stages/give-up.ts'), 'utf8')).toContain(
      'new SendMessageCommand(',
    );
    const dlq = statements.find((s) => s.Action.includes('sqs:SendMessage'));
    expect(dlq?.Resource).toMatch(/:orders-dlq$/);
    expect(bySid.SseKmsEncryptedQueuesOnly?.Action.sort()).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey',
    ]);
    // Task protection PUTs to the ECS agent, which calls UpdateTaskProtection as the task role.
    expect(readFileSync(join(src, 'runner/task-protection.ts'), 'utf8')).toContain(
      '/task-protection/v1/state',
    );
    expect(allowed).toContain('ecs:UpdateTaskProtection');
    expect(bySid.TaskScaleInProtectionOnly?.Resource).toMatch(/^arn:aws:ecs:[^:]+:\d+:task\//);
    // The queue the policy names is the one the task definition consumes.
    const task = JSON.parse(read('ecs/task-definition.json'));
    const queueUrl = task.containerDefinitions[0].environment.find(
      (e: { name: string }) => e.name === 'QUEUE_URL',
    ).value as string;
    const [, region, account, name] =
      queueUrl.match(/sqs\.([^.]+)\.amazonaws\.com\/(\d+)\/(.+)$/) ?? [];
    expect(bySid.ConsumeTheQueue?.Resource).toBe(`arn:aws:sqs:${region}:${account}:${name}`);
  });
});
