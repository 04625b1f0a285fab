// The one-off task's custom resource handlers: see runtask.go.
const { ECSClient, RunTaskCommand, DescribeTasksCommand, StopTaskCommand } = require('@aws-sdk/client-ecs');

const ecs = new ECSClient({});
const GRACE = 5;

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
    // Asked again at the next poll: throttling and server errors until the
    // limit; access denied (a new policy propagating) and no answer at all
    // for GRACE minutes. Anything else will not mend: fail now, naming it.
    const name = err.name || 'Error';
    const status = (err.$metadata || {}).httpStatusCode;
    const transient = /Throttl|TooManyRequests|RequestLimitExceeded/.test(name) || status === 429 || status >= 500 || err.$fault === 'server';
    const early = /AccessDenied|UnrecognizedClient/.test(name) || status == null;
    const retry = minutes < limit && (transient || (early && minutes < GRACE));
    console.log(JSON.stringify({ describeFailed: name, message: err.message, status, retry }));
    if (retry) return { IsComplete: false };
    await ecs.send(new StopTaskCommand({ cluster: p.Cluster, task: arn, reason: 'not watchable: ' + name })).catch(() => {});
    throw new Error(`task ${arn}: DescribeTasks failed after ${Math.floor(minutes)} min: ${name}: ${err.message}; stop requested; see log group ${p.LogGroup}`);
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
