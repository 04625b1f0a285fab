package config

// AWS limits on names the app derives from settings.
const (
	// maxStreamName is CloudWatch Logs' limit on a log stream name
	// (CreateLogStream, AWS::Logs::LogStream: 1 to 512 characters).
	maxStreamName = 512
	// maxContainerName keeps the container's awslogs stream names within
	// maxStreamName. ECS names them prefix/container-name/task-id (the
	// awslogs-stream-prefix option); the app uses the container name as
	// the prefix, and a task ID has 32 characters: 2n + 2 + 32 <= 512.
	maxContainerName = (maxStreamName - 2 - 32) / 2
	// streamLimit marks a name that also names log streams.
	streamLimit = "stream"
)
