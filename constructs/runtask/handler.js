// Runs one ECS task for a CloudFormation custom resource (CDK provider
// framework) and waits for it. Create and Update start the task and succeed
// only if its container exits 0; anything else fails the deployment, which
// CloudFormation then rolls back. Delete does nothing.
const { ECSClient, RunTaskCommand, DescribeTasksCommand } = require('@aws-sdk/client-ecs');

const ecs = new ECSClient({});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

exports.handler = async (event, context) => {
  // A stable physical ID: an Update never looks like a replacement, so
  // CloudFormation never sends a Delete for the previous run.
  const physicalId = event.PhysicalResourceId || 'run-task';
  if (event.RequestType === 'Delete') return { PhysicalResourceId: physicalId };

  const p = event.ResourceProperties;
  const pollMs = Number(p.PollSeconds ?? 10) * 1000;
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
  const arn = task.taskArn;
  console.log(JSON.stringify({ started: arn, taskDefinition: p.TaskDefinition }));

  for (;;) {
    if (context.getRemainingTimeInMillis() < pollMs + 15000) {
      throw new Error(`task ${arn} was still running when the handler ran out of time; it keeps running, see log group ${p.LogGroup}`);
    }
    await sleep(pollMs);
    const described = await ecs.send(new DescribeTasksCommand({ cluster: p.Cluster, tasks: [arn] }));
    const t = (described.tasks || [])[0];
    if (!t || t.lastStatus !== 'STOPPED') continue;
    const c = (t.containers || []).find((x) => x.name === p.Container) || {};
    if (c.exitCode === 0) {
      console.log(JSON.stringify({ succeeded: arn }));
      return { PhysicalResourceId: physicalId, Data: { TaskArn: arn } };
    }
    const why = c.reason || t.stoppedReason || 'no reason given';
    throw new Error(`task ${arn} failed: exit code ${c.exitCode ?? 'none'} (${why}); see log group ${p.LogGroup}`);
  }
};
