// Runs one ECS task for a CloudFormation custom resource (CDK provider
// framework, asynchronous: onEvent starts, isComplete polls) so a run may
// outlast one Lambda invocation. Create and Update start the task and
// succeed only if its container exits 0; anything else, or a run longer than
// RUN_TIMEOUT_MINUTES (the task is then stopped), fails the deployment,
// which CloudFormation then rolls back. Delete does nothing.
const { ECSClient, RunTaskCommand, DescribeTasksCommand, StopTaskCommand } = require('@aws-sdk/client-ecs');

const ecs = new ECSClient({});

exports.onEvent = async (event) => {
  // A stable physical ID: an Update never looks like a replacement, so
  // CloudFormation never sends a Delete for the previous run.
  const physicalId = event.PhysicalResourceId || 'run-task';
  if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalId };

  const p = event.ResourceProperties;
  const run = await ecs.send(new RunTaskCommand({
    cluster: p.Cluster,
    taskDefinition: p.TaskDefinition,
    launchType: 'FARGATE',
    count: 1,
    startedBy: 'cloudformation',
    networkConfiguration: {
      awsvpcConfiguration: { subnets: p.Subnets, securityGroups: p.SecurityGroups, assignPublicIp: 'DISABLED' },
    },
  }));
  const task = (run.tasks || [])[0];
  if (!task) {
    throw new Error(`RunTask started no task: ${JSON.stringify(run.failures || [])}`);
  }
  console.log(JSON.stringify({ started: task.taskArn, taskDefinition: p.TaskDefinition }));
  return { PhysicalResourceId: physicalId, Data: { TaskArn: task.taskArn, StartedAt: String(Date.now()) } };
};

// isComplete gets the request together with what onEvent returned.
exports.isComplete = async (event) => {
  if (event.RequestType === 'Delete') return { IsComplete: true };
  const p = event.ResourceProperties;
  const arn = event.Data.TaskArn;
  const limit = Number(process.env.RUN_TIMEOUT_MINUTES);
  const minutes = (Date.now() - Number(event.Data.StartedAt)) / 60000;
  let described;
  try {
    described = await ecs.send(new DescribeTasksCommand({ cluster: p.Cluster, tasks: [arn] }));
  } catch (err) {
    // Throttling, or a policy still propagating: ask again at the next poll.
    console.log(JSON.stringify({ describeFailed: err.message }));
    if (minutes < limit) return { IsComplete: false };
    await ecs.send(new StopTaskCommand({ cluster: p.Cluster, task: arn, reason: `not watchable for ${limit} minutes` })).catch(() => {});
    throw new Error(`task ${arn}: DescribeTasks failed for ${limit} minutes (${err.message}); stop requested; see log group ${p.LogGroup}`);
  }
  const t = (described.tasks || [])[0];
  const c = ((t && t.containers) || []).find((x) => x.name === p.Container) || {};
  // The exit code is known once the container exits; the task reaches
  // STOPPED later, after ECS has released its network interface.
  if (c.exitCode === 0) {
    console.log(JSON.stringify({ succeeded: arn }));
    return { IsComplete: true };
  }
  if (c.exitCode != null || (t && t.lastStatus === 'STOPPED')) {
    const why = c.reason || t.stoppedReason || 'no reason given';
    throw new Error(`task ${arn} failed: exit code ${c.exitCode ?? 'none'} (${why}); see log group ${p.LogGroup}`);
  }
  if (minutes >= limit) {
    if (!t) throw new Error(`task ${arn} not found after ${limit} minutes: ${JSON.stringify(described.failures || [])}`);
    // Stopped, not left running: a rollback runs the previous task
    // definition, which would otherwise wait for this one's lock.
    await ecs.send(new StopTaskCommand({ cluster: p.Cluster, task: arn, reason: `ran longer than ${limit} minutes` }));
    throw new Error(`task ${arn} ran longer than ${limit} minutes and was stopped; see log group ${p.LogGroup}`);
  }
  return { IsComplete: false };
};
